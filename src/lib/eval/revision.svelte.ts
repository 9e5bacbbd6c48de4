// A change counter the page can follow: a plain-TypeScript model that bumps it on every write is read
// reactively by anything that reads `value` (the Workspace keeps its data in ordinary Maps, written through to IndexedDB).
export class Revision {
	value = $state(0);
	bump(): void {
		this.value++;
	}
}
