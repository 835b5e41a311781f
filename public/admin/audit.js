/**
 * The audit: the recount of every shard's log against the counters, and against what the
 * aggregation tree held before the audit pulled anything (`held`) and after (`pulled`).
 */
import { readAudit } from "./answers.js";
import { api, describeError } from "./api.js";
import { $, bi, fmtDateTime, fmtInt, h } from "./dom.js";

/** @typedef {import("./answers.js").TreeComparison} TreeComparison */
/** @typedef {TreeComparison["differences"][number]} AuditDifference */

/** @type {Record<string, [string, string]>} */
const METRICS = {
	participants: ["参与者", "participants"],
	flower: ["花篮", "flowers"],
	incense: ["上香", "incense"],
	bow: ["拜礼", "bows"],
	blessing: ["祈福", "blessings"],
	blessingsPublished: ["公开祈福", "published blessings"],
};

/** @param {AuditDifference} d */
function whereOf(d) {
	if (d.scope === "region") return `地区 region ${d.key ?? "—"}`;
	if (d.scope === "minute") return `${fmtDateTime(d.key)}（北京时间 Beijing time）`;
	return "总数 total";
}

/** @param {AuditDifference} d */
function differenceLine(d) {
	const [zh, en] = METRICS[d.metric] ?? [d.metric, d.metric];
	return h("li", {
		class: "audit-difference",
		"data-scope": d.scope,
		text: `${whereOf(d)} · ${zh} ${en}：重新统计 recount ${fmtInt(d.recount)}，树 tree ${fmtInt(d.tree)}`,
	});
}

/**
 * One comparison of the recount with the tree: whether it matched, and each difference.
 * @param {string} id
 * @param {[string, string]} title
 * @param {TreeComparison} c
 */
function comparison(id, [zh, en], c) {
	const n = c.differences.length;
	return h("div", { id, class: "audit-comparison", "data-match": String(c.match) }, [
		h("p", { class: c.match ? "ok" : "error" }, [
			bi(zh, en),
			`：${c.match ? "一致 match" : `${fmtInt(n)} 处不同 ${n === 1 ? "difference" : "differences"}`}`,
		]),
		n > 0 ? h("ul", { class: "audit-differences" }, c.differences.map(differenceLine)) : null,
	]);
}

/** @param {number} year */
export function wireAudit(year) {
	const btn = /** @type {HTMLButtonElement} */ ($("#audit-run"));
	btn.addEventListener("click", async () => {
		const out = $("#audit-result");
		btn.disabled = true;
		out.textContent = "正在核对… Auditing…";
		try {
			const a = readAudit(await api(`/admin/ceremonies/${year}/audit`));
			const bad = a.shards.filter((s) => !s.match);
			const t = a.totals;
			const r = a.recount;
			const heldHint = h("p", {
				class: "hint",
				text: "拉取前的不同，是尚未送达（或已丢失）的快照。 A difference before the pull is a snapshot not yet delivered, or lost.",
			});
			out.replaceChildren(
				h("p", { class: a.match ? "ok" : "error" }, [
					a.match
						? "一致：计数与日志重新统计完全相符。 Match: the counters equal a recount of the logs."
						: "不一致！ Mismatch!",
				]),
				h("p", {
					text: `总数 totals: ${fmtInt(t.participants)} 人 · ${fmtInt(t.actions?.flower)} / ${fmtInt(t.actions?.incense)} / ${fmtInt(t.actions?.bow)} / ${fmtInt(t.actions?.blessing)}；重新统计 recount: ${fmtInt(r.participants)} 人 · ${fmtInt(r.actions?.flower)} / ${fmtInt(r.actions?.incense)} / ${fmtInt(r.actions?.bow)} / ${fmtInt(r.actions?.blessing)}`,
				}),
				comparison("audit-held", ["拉取前，树中已有的数据", "Before the pull, what the tree held"], a.held),
				...(a.held.match ? [] : [heldHint]),
				comparison("audit-pulled", ["拉取每个分片之后", "After pulling every shard"], a.pulled),
			);
			if (bad.length)
				out.append(
					h("p", {
						class: "error",
						text: `不一致的分片 shards that differ: ${bad.map((s) => `#${s.shardIndex}`).join(", ")}`,
					}),
				);
		} catch (e) {
			out.textContent = `核对失败 · Audit failed: ${describeError(e)}`;
		} finally {
			btn.disabled = false;
		}
	});
}
