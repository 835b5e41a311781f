import { UNKNOWN_REGION } from "../src/domain/regions";
import { type ActionCounts, zeroCounts } from "../src/schemas/common";
import { type Interval, RegionsStats, Stats, type Timeseries } from "../src/schemas/stats";
import type { SnapshotMerge } from "./snapshot-merge";
import type { SqlQuery } from "./sql";

/** The figures readers see: the sum of the tree's snapshots while open, frozen at the close. */
export class CeremonyFigures {
	constructor(
		private readonly sql: SqlQuery,
		private readonly merge: SnapshotMerge,
	) {}

	stats(year: number): Stats {
		const frozen = this.sql<{ final_stats: string | null }>`SELECT final_stats FROM ceremony_state WHERE id = 1`[0]
			?.final_stats;
		const sum = this.merge.tally();
		// Nothing is counted after the close, but a participant may still erase a published blessing
		// (and the committee hide one): the published count follows them.
		if (frozen) return { ...Stats.parse(JSON.parse(frozen)), blessingsPublished: sum.blessingsPublished };
		const countries = this.merge.regions().filter((r) => r.region !== UNKNOWN_REGION && r.participants > 0).length;
		return {
			year,
			participants: sum.participants,
			actions: sum.actions,
			blessingsPublished: sum.blessingsPublished,
			countries,
			final: false,
			updatedAt: sum.takenAt === null ? null : new Date(sum.takenAt).toISOString(),
		};
	}

	regions(year: number): RegionsStats {
		const frozen = this.sql<{ final_regions: string | null }>`SELECT final_regions FROM ceremony_state WHERE id = 1`[0]
			?.final_regions;
		if (frozen) return RegionsStats.parse(JSON.parse(frozen));
		const takenAt = this.merge.tally().takenAt;
		return {
			year,
			regions: this.merge.regions().map((r) => ({
				region: r.region,
				participants: r.participants,
				actions: { flower: r.flower, incense: r.incense, bow: r.bow, blessing: r.blessing },
			})),
			final: false,
			updatedAt: takenAt === null ? null : new Date(takenAt).toISOString(),
		};
	}

	timeseries(year: number, interval: Interval, from: number, to: number, final: boolean): Timeseries {
		const width = interval === "1h" ? 3_600_000 : 60_000;
		const points = new Map<number, ActionCounts>();
		for (const row of this.merge.series(width, from, to)) {
			const point = points.get(row.minute) ?? zeroCounts();
			point[row.type] = row.n;
			points.set(row.minute, point);
		}
		return {
			year,
			interval,
			points: [...points].map(([at, actions]) => ({ at: new Date(at).toISOString(), actions })),
			final,
		};
	}

	/** The close: the figures as they are now, kept as they are from here on. */
	freeze(year: number): void {
		const stats = { ...this.stats(year), final: true };
		const regions = { ...this.regions(year), final: true };
		this
			.sql`UPDATE ceremony_state SET final_stats = ${JSON.stringify(stats)}, final_regions = ${JSON.stringify(regions)} WHERE id = 1`;
	}
}
