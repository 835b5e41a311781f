import { z } from "zod";
import { UNKNOWN_REGION } from "../src/domain/regions";
import { type ActionCounts, zeroCounts } from "../src/schemas/common";
import { RegionsStats, Stats } from "../src/schemas/stats";
import { Figures, RegionFigures, type Series } from "./ceremony-protocol";
import type { SnapshotMerge } from "./snapshot-merge";
import type { SqlQuery } from "./sql";

/**
 * Figures frozen by a release before the RPC outcomes carried domain data were stored in their
 * public shape: read either.
 */
const FrozenFigures = z.union([
	Figures,
	Stats.transform(
		({ year: _year, updatedAt, ...f }): Figures => ({
			...f,
			takenAt: updatedAt === null ? null : Date.parse(updatedAt),
		}),
	),
]);
const FrozenRegions = z.union([
	RegionFigures,
	RegionsStats.transform(
		({ regions, final, updatedAt }): RegionFigures => ({
			regions: regions.map(({ region, participants, actions }) => ({ region, participants, ...actions })),
			final,
			takenAt: updatedAt === null ? null : Date.parse(updatedAt),
		}),
	),
]);

/** The figures readers see: the sum of the tree's snapshots while open, frozen at the close. */
export class CeremonyFigures {
	constructor(
		private readonly sql: SqlQuery,
		private readonly merge: SnapshotMerge,
	) {}

	figures(): Figures {
		const frozen = this.sql<{ final_stats: string | null }>`SELECT final_stats FROM ceremony_state WHERE id = 1`[0]
			?.final_stats;
		const sum = this.merge.tally();
		// Nothing is counted after the close, but a participant may still erase a published blessing
		// (and the committee hide one): the published count follows them.
		if (frozen) return { ...FrozenFigures.parse(JSON.parse(frozen)), blessingsPublished: sum.blessingsPublished };
		const countries = this.merge.regions().filter((r) => r.region !== UNKNOWN_REGION && r.participants > 0).length;
		return {
			participants: sum.participants,
			actions: sum.actions,
			blessingsPublished: sum.blessingsPublished,
			countries,
			final: false,
			takenAt: sum.takenAt,
		};
	}

	regions(): RegionFigures {
		const frozen = this.sql<{ final_regions: string | null }>`SELECT final_regions FROM ceremony_state WHERE id = 1`[0]
			?.final_regions;
		if (frozen) return FrozenRegions.parse(JSON.parse(frozen));
		return { regions: this.merge.regions(), final: false, takenAt: this.merge.tally().takenAt };
	}

	/** Actions per minute or per hour (`width` ms) in [from, to). */
	series(width: number, from: number, to: number, final: boolean): Series {
		const points = new Map<number, ActionCounts>();
		for (const row of this.merge.series(width, from, to)) {
			const point = points.get(row.minute) ?? zeroCounts();
			point[row.type] = row.n;
			points.set(row.minute, point);
		}
		return { points: [...points].map(([at, actions]) => ({ at, actions })), final };
	}

	/** The close: the figures as they are now, kept as they are from here on. */
	freeze(): void {
		const figures: Figures = { ...this.figures(), final: true };
		const regions: RegionFigures = { ...this.regions(), final: true };
		this
			.sql`UPDATE ceremony_state SET final_stats = ${JSON.stringify(figures)}, final_regions = ${JSON.stringify(regions)} WHERE id = 1`;
	}
}
