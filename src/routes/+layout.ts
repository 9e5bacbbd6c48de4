// A static single-page app: nothing renders on a server, so any static host can serve it.
export const ssr = false;
export const prerender = false;
