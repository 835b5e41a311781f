// The package ships no types; this declares the part the project uses.
declare module "lunar-javascript" {
	interface Solar {
		getYear(): number;
		getMonth(): number;
		getDay(): number;
		toYmd(): string;
	}
	interface Lunar {
		getSolar(): Solar;
		getYearInGanZhi(): string;
	}
	export const Lunar: { fromYmd(year: number, month: number, day: number): Lunar };
}
