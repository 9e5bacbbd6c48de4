// Language categories are named in English: conv-metadata.ts names franc-min's ISO 639-3 codes with
// Intl.DisplayNames('en'), and FastChat's battle files carry polyglot's English names ("English", "Chinese").
// To show such a name in another interface language, find its code again (every ISO 639-1 code and
// franc-min's own, named in English, reversed) and let Intl.DisplayNames name it in that language.
const ISO_639_1 =
	'aa ab af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu';
/** franc-min's codes that have no ISO 639-1 twin named the same (Cantonese, Haitian Creole, Central Kurdish, …). */
const FRANC_ONLY = 'cmn yue arb pes zlm swh fuv uzn azj ckb plt qug zyb hms hnj koi skr pbu npi mai bho mag mad ceb ilo run hat';

let byEnglishName: Map<string, string> | undefined;

function codes(): Map<string, string> {
	if (byEnglishName) return byEnglishName;
	byEnglishName = new Map();
	try {
		const english = new Intl.DisplayNames(['en'], { type: 'language' });
		for (const code of `${ISO_639_1} ${FRANC_ONLY}`.split(' ')) {
			const name = english.of(code);
			if (name && name !== code && !byEnglishName.has(name.toLowerCase())) byEnglishName.set(name.toLowerCase(), code);
		}
	} catch {
		// no Intl.DisplayNames: names stay in English
	}
	return byEnglishName;
}

/** The ISO code of a language named in English ("Chinese" → "zh"), or undefined for a name we do not know. */
export function languageCode(englishName: string): string | undefined {
	return codes().get(englishName.trim().toLowerCase());
}

/** A language category's name in `locale` ("Chinese" → "中文" in zh-CN); English, or a name we do not know, stays as it is. */
export function languageLabel(englishName: string, locale: string): string {
	const code = languageCode(englishName);
	if (!code || locale === 'en' || locale.startsWith('en-')) return englishName;
	try {
		return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? englishName;
	} catch {
		return englishName;
	}
}
