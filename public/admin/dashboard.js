/**
 * Renders the live totals: large counters, rate, overseas share, regions, shard health, and the
 * freshness of the figures ("stale" when the socket is down or silent for more than 3 s).
 */
import { whenVisible } from "../shared/when-visible.js";
import { $, bi, fmtAge, fmtInt, fmtPercent, fmtRate, fmtTime, fmtWan, h, regionName } from "./dom.js";

/** Figures older than this (nothing heard from the server) are shown as stale. */
export const STALE_AFTER_MS = 3000;
/** No totals for this long while the socket is alive means nothing is happening: the rate is 0. */
const RATE_IDLE_MS = 10_000;
/** The screen-reader summary is refreshed at most this often. */
const SUMMARY_EVERY_MS = 30_000;

const TYPES = /** @type {const} */ (["flower", "incense", "bow", "blessing"]);

/** @typedef {import("./answers.js").LiveTotals} LiveTotals */
/** @typedef {import("./live.js").ConnectionInfo} ConnectionInfo */
/**
 * A row of the shard table: a shard's health, or a shard that has sent no snapshot yet.
 * @typedef {import("./answers.js").ShardHealth | {shardIndex: number, missing: true}} ShardRow
 */

export class Dashboard {
	constructor() {
		/** @type {LiveTotals | null} */
		this.last = null;
		this.lastAt = 0;
		/** @type {import("./live.js").LiveConnection | null} */
		this.live = null;
		this.summaryAt = 0;
		this.connState = "connecting";
		/** @type {ConnectionInfo} */
		this.connInfo = { attempt: 0 };
		/** The ceremony's shard count, when known. */
		this.shardCount = 0;
		this.timer = setInterval(() => this.tick(), 500);
		/** @type {import("../shared/blessing-map.js").BlessingMap | null} */
		this.map = null;
		/** @type {import("../shared/blessing-map.js").RegionCount[]} */
		this.regions = [];
		this.drawMapWhenVisible();
	}

	/** The same blessing map as the participant page, loaded when the regions panel comes into view. */
	drawMapWhenVisible() {
		const host = document.getElementById("regions-map");
		if (!host) return;
		whenVisible(host, async () => {
			try {
				const { createBlessingMap, loadMapData } = await import("../shared/blessing-map.js");
				this.map = createBlessingMap(host, await loadMapData());
				this.paintMap();
			} catch {
				// The ranked list carries the same figures.
				host.dataset.failed = "true";
			}
		});
	}

	paintMap() {
		if (!this.map) return;
		const name = (/** @type {string} */ code) => `${regionName(code)} ${regionName(code, "en")}`;
		const top = this.regions
			.filter((r) => r.region !== "XX")
			.slice(0, 3)
			.map((r) => `${name(r.region)} ${fmtInt(r.participants)}`)
			.join("、");
		const { unplaced } = this.map.update(this.regions, {
			title: "拜祖者地区分布图 Map of participants by region",
			description:
				`世界陆地轮廓图，圆圈面积表示各地区拜祖人数。 Land outline; each circle's area shows a region's participants. ${top}`.trim(),
			label: (r) => regionName(r.region),
			tooltip: (r) => `${name(r.region)}: ${fmtInt(r.participants)}`,
		});
		const note = $("#regions-map-note");
		note.textContent = unplaced.length
			? `地图上未能标出 Not drawn (too small): ${unplaced.map((r) => `${name(r.region)} ${fmtInt(r.participants)}`).join("、")}`
			: "";
	}

	/** @param {number} n */
	setShardCount(n) {
		if (!Number.isInteger(n) || n === this.shardCount) return;
		this.shardCount = n;
		if (this.last) this.renderShards(this.last.shards);
	}

	destroy() {
		clearInterval(this.timer);
	}

	/** @param {import("./live.js").LiveConnection} live */
	attach(live) {
		this.live = live;
	}

	/** @param {string} state @param {ConnectionInfo} info */
	connection(state, info) {
		this.connState = state;
		this.connInfo = info;
		this.tick();
	}

	/** @param {LiveTotals} msg */
	totals(msg) {
		this.last = msg;
		this.lastAt = Date.now();
		const s = msg.stats;
		const a = s.actions;
		this.setCount("participants", s.participants);
		for (const t of TYPES) this.setCount(t, a[t]);
		$("#c-blessing-sub").textContent =
			`上墙 ${fmtInt(s.blessingsPublished)} · on the wall${fmtWan(a.blessing) ? ` · ${fmtWan(a.blessing)}` : ""}`;
		$("#c-rate").textContent = fmtRate(msg.ratePerSecond);
		$("#c-overseas").textContent = fmtPercent(msg.overseasShare);
		$("#c-countries").textContent = fmtInt(s.countries);
		const q = msg.queue;
		$("#c-queue").textContent = fmtInt(q.held + q.reported);
		$("#c-queue-sub").textContent = `待审 ${fmtInt(q.held)} held · 被举报 ${fmtInt(q.reported)} reported`;
		$("#counters").dataset.final = s.final ? "true" : "false";
		this.renderRegions(msg.regions);
		this.renderShards(msg.shards);
		this.summarize(false);
		this.tick();
	}

	/** @param {string} key @param {number} value */
	setCount(key, value) {
		const el = $(`#c-${key}`);
		const text = fmtInt(value);
		if (el.textContent !== text) {
			el.textContent = text;
			el.classList.remove("bump");
			// Restart the highlight animation (no animation with prefers-reduced-motion).
			void el.offsetWidth;
			el.classList.add("bump");
		}
		if (key !== "blessing") $(`#c-${key}-sub`).textContent = fmtWan(value);
	}

	/** @param {{region: string, participants: number}[]} regions */
	renderRegions(regions) {
		this.regions = regions;
		this.paintMap();
		const list = $("#regions");
		$("#regions-empty").hidden = regions.length > 0;
		const max = Math.max(1, ...regions.map((r) => r.participants));
		list.replaceChildren(
			...regions.map((r) => {
				const bar = h("span", { class: "bar", "aria-hidden": "true" });
				bar.style.inlineSize = `${Math.max(1, (r.participants / max) * 100)}%`;
				const name = regionName(r.region);
				const en = regionName(r.region, "en");
				return h("li", { class: "region" }, [
					h("span", { class: "region-name" }, [
						`${name} `,
						h("span", { class: "en", lang: "en", text: r.region === "XX" ? en : `${en} (${r.region})` }),
					]),
					h("span", { class: "region-count", text: fmtInt(r.participants) }),
					h("span", { class: "bar-track" }, [bar]),
				]);
			}),
		);
	}

	/** @param {import("./answers.js").ShardHealth[]} shards */
	renderShards(shards) {
		const body = $("#shards");
		/** @type {Map<number, ShardRow>} */
		const byIndex = new Map(shards.map((sh) => [sh.shardIndex, sh]));
		// Shards that have not sent a snapshot yet are listed too, so a silent shard stands out.
		for (let i = 0; i < this.shardCount; i++) {
			if (!byIndex.has(i)) byIndex.set(i, { shardIndex: i, missing: true });
		}
		const rows = [...byIndex.values()].sort((x, y) => x.shardIndex - y.shardIndex);
		body.replaceChildren(
			...rows.map((sh) => ("missing" in sh ? this.missingShardRow(sh.shardIndex) : this.shardRow(sh))),
		);
	}

	/** @param {import("./answers.js").ShardHealth} sh */
	shardRow(sh) {
		const total = TYPES.reduce((n, t) => n + sh.actions[t], 0);
		return h("tr", { "data-shard": sh.shardIndex }, [
			h("th", { scope: "row", text: `#${sh.shardIndex}` }),
			h("td", { class: "num", text: fmtInt(sh.version) }),
			h("td", { class: "num age", "data-age": sh.ageMs, title: fmtTime(sh.takenAt), text: fmtAge(sh.ageMs) }),
			h("td", { class: `num${sh.lagMs > 2000 ? " warn" : ""}`, text: fmtAge(sh.lagMs) }),
			h("td", { class: "num", text: fmtInt(sh.participants) }),
			h("td", {
				class: "num",
				title: TYPES.map((t) => `${t}: ${fmtInt(sh.actions[t])}`).join(", "),
				text: fmtInt(total),
			}),
			h("td", {}, [
				sh.sealed ? bi("已封存", "sealed") : sh.version > 0 ? bi("正常", "ok") : bi("无快照", "no snapshot"),
			]),
		]);
	}

	/** @param {number} shardIndex */
	missingShardRow(shardIndex) {
		return h("tr", { "data-shard": shardIndex }, [
			h("th", { scope: "row", text: `#${shardIndex}` }),
			h("td", { class: "num", text: "—" }),
			h("td", { class: "num age", "data-age": Number.NaN, title: "—", text: fmtAge(Number.NaN) }),
			h("td", { class: "num", text: fmtAge(Number.NaN) }),
			h("td", { class: "num", text: fmtInt(0) }),
			h("td", { class: "num", title: TYPES.map((t) => `${t}: ${fmtInt(0)}`).join(", "), text: fmtInt(0) }),
			h("td", {}, [bi("无快照", "no snapshot")]),
		]);
	}

	/** Updates the freshness line, the connection pill, shard ages and the idle rate. */
	tick() {
		const now = Date.now();
		const live = this.live;
		const open = this.connState === "open";
		const heardAgo = live?.lastHeard ? now - live.lastHeard : Number.POSITIVE_INFINITY;
		const stale = !this.last || !open || heardAgo > STALE_AFTER_MS;
		const counters = $("#counters");
		counters.dataset.stale = String(stale);

		const conn = $("#conn");
		const text = $("#conn-text");
		let state = this.connState;
		if (state === "open" && stale) state = "stale";
		conn.dataset.state = state;
		const label =
			state === "open"
				? "实时 · Live"
				: state === "stale"
					? "数据过期 · Stale"
					: state === "reconnecting"
						? `重新连接中 · Reconnecting${this.connInfo.retryInMs ? ` (${(this.connInfo.retryInMs / 1000).toFixed(1)} s)` : ""}`
						: state === "unauthorized"
							? "令牌无效 · Token refused"
							: state === "stopped"
								? "已断开 · Disconnected"
								: "正在连接 · Connecting";
		if (text.textContent !== label) text.textContent = label;

		const fresh = $("#freshness");
		if (this.last) {
			const asOf = fmtTime(this.last.at ?? this.lastAt);
			const age = now - this.lastAt;
			const updated = this.last.stats.updatedAt ? `快照 snapshot ${fmtTime(this.last.stats.updatedAt)}` : "";
			fresh.textContent = stale
				? `数据过期：最后更新于 ${asOf}（${fmtAge(age)} 前）· Stale: last update ${asOf}, ${fmtAge(age)} ago`
				: `数据截至 ${asOf} · Figures as of ${asOf}${updated ? ` · ${updated}` : ""}${this.last.stats.final ? " · 最终结果 Final" : ""}`;
		} else {
			fresh.textContent = "等待数据 · Waiting for figures";
		}

		// Shard ages grow between messages.
		for (const td of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#shards td.age"))) {
			const base = Number(td.dataset.age);
			if (Number.isFinite(base)) td.textContent = fmtAge(base + (now - this.lastAt));
		}
		// The server sends totals only when they change: a long silence on a live socket means no actions.
		if (this.last && open && !stale && now - this.lastAt > RATE_IDLE_MS) $("#c-rate").textContent = "0.0";
		this.summarize(true);
	}

	/** The polite live region: a short summary, at most every 30 s. @param {boolean} onlyIfDue */
	summarize(onlyIfDue) {
		if (!this.last) return;
		const now = Date.now();
		if (onlyIfDue && now - this.summaryAt < SUMMARY_EVERY_MS) return;
		if (!onlyIfDue && this.summaryAt && now - this.summaryAt < SUMMARY_EVERY_MS) return;
		this.summaryAt = now;
		const s = this.last.stats;
		const a = s.actions;
		$("#counters-summary").textContent =
			`参与者 ${fmtInt(s.participants)}，花篮 ${fmtInt(a.flower)}，上香 ${fmtInt(a.incense)}，拜礼 ${fmtInt(a.bow)}，祈福 ${fmtInt(a.blessing)}。` +
			`Participants ${fmtInt(s.participants)}, flowers ${fmtInt(a.flower)}, incense ${fmtInt(a.incense)}, bows ${fmtInt(a.bow)}, blessings ${fmtInt(a.blessing)}.`;
	}
}
