import type { AuditDifference, AuditReport, TreeComparison } from "../../durable/ceremony-protocol";
import type { Audit, TreeComparison as PublicComparison, AuditDifference as PublicDifference } from "../schemas/audit";
import { isoOf } from "./figures";

/** The public shape of the audit: a difference's key is the region's code or the minute's start (ISO 8601). */

const presentDifference = (d: AuditDifference): PublicDifference => ({
	scope: d.scope,
	key: d.scope === "total" ? null : d.scope === "region" ? d.region : isoOf(d.minute),
	metric: d.metric,
	recount: d.recount,
	tree: d.tree,
});

const presentComparison = (c: TreeComparison): PublicComparison => ({
	match: c.match,
	differences: c.differences.map(presentDifference),
});

export const presentAudit = (year: number, a: AuditReport): Audit => ({
	year,
	match: a.match,
	recount: a.recount,
	held: presentComparison(a.held),
	pulled: presentComparison(a.pulled),
	totals: a.totals,
	certificatesLeased: a.certificatesLeased,
	shards: a.shards,
});
