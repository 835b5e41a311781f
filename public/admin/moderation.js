/**
 * The moderation queue: held blessings (caught by the word list), reported ones (published with at
 * least one report), hidden ones, and display names the word list held. Hide and restore are recorded by the server with the
 * committee member's name and the time; the public wall follows within seconds.
 */
import { readModeratedBlessing, readNameUnderReview, readPage } from "./answers.js";
import { api, describeError } from "./api.js";
import { $, bi, fmtDateTime, fmtInt, h, regionName } from "./dom.js";

/** @typedef {import("./answers.js").ModeratedBlessing} ModeratedBlessing */
/** @typedef {import("./answers.js").NameUnderReview} NameUnderReview */

const PAGE = 50;
/** @type {Record<"published" | "held" | "hidden", [string, string]>} */
const STATE_LABEL = {
	published: ["已发布", "published"],
	held: ["待审", "held"],
	hidden: ["已隐藏", "hidden"],
};

export class Moderation {
	/** @param {number} year */
	constructor(year) {
		this.year = year;
		/** @type {"held" | "reported" | "hidden" | "names"} */
		this.state = "held";
		/** @type {string | null} */
		this.cursor = null;
		this.loading = false;
		/** @type {AbortController | null} */
		this.abort = null;
		this.counts = { held: -1, reported: -1 };
		/** Moderation requests in flight. */
		this.busy = 0;
		/** When the member last acted here: a background reload then waits, so the item they just handled stays in view. */
		this.actedAt = 0;

		for (const b of /** @type {NodeListOf<HTMLButtonElement>} */ (
			document.querySelectorAll("#moderation .seg button[data-state]")
		)) {
			b.addEventListener("click", () => {
				const state = /** @type {"held" | "reported" | "hidden" | "names"} */ (b.dataset.state);
				for (const o of document.querySelectorAll("#moderation .seg button[data-state]"))
					o.setAttribute("aria-pressed", String(o === b));
				this.state = state;
				void this.load(true);
			});
		}
		$("#queue-refresh").addEventListener("click", () => void this.load(true));
		$("#queue-more").addEventListener("click", () => void this.load(false));
	}

	/**
	 * Queue sizes from the live totals; reloads the shown queue when its size changed.
	 * @param {{held?: number, reported?: number}} queue
	 */
	queueCounts(queue) {
		const held = queue.held ?? 0;
		const reported = queue.reported ?? 0;
		$("#q-held").textContent = fmtInt(held);
		$("#q-reported").textContent = fmtInt(reported);
		const changed =
			(this.state === "held" && held !== this.counts.held) ||
			(this.state === "reported" && reported !== this.counts.reported);
		const first = this.counts.held < 0;
		this.counts = { held, reported };
		// Reload in the background for new arrivals (or items handled elsewhere), but not while the
		// member is acting or paging, and not right after they acted (their item stays in view).
		const settled = !this.busy && !this.loading && this.cursor === null && Date.now() - this.actedAt > 8000;
		if (!first && changed && settled) void this.load(true, true);
	}

	/**
	 * @param {boolean} reset from the first page
	 * @param {boolean} [quiet] no status message (background refresh)
	 */
	async load(reset, quiet = false) {
		this.abort?.abort();
		const abort = new AbortController();
		this.abort = abort;
		this.loading = true;
		const status = $("#queue-status");
		if (!quiet) status.textContent = "正在载入… Loading…";
		try {
			const names = this.state === "names";
			const q = new URLSearchParams({ state: names ? "held" : this.state, limit: String(PAGE) });
			if (!reset && this.cursor) q.set("cursor", this.cursor);
			const answer = await api(`/admin/ceremonies/${this.year}/${names ? "names" : "blessings"}?${q}`, {
				signal: abort.signal,
			});
			const page = names
				? readPage(answer, (n) => this.nameItem(readNameUnderReview(n)))
				: readPage(answer, (b) => this.item(readModeratedBlessing(b)));
			const list = $("#queue");
			if (reset) list.replaceChildren(...page.items);
			else list.append(...page.items);
			this.cursor = page.nextCursor;
			$("#queue-more").hidden = !this.cursor;
			$("#queue-empty").hidden = list.children.length > 0;
			if (!quiet) status.textContent = `共 ${fmtInt(list.children.length)} 条 · ${list.children.length} shown`;
		} catch (e) {
			if (/** @type {Error} */ (e).name === "AbortError") return;
			status.textContent = `载入失败 · Could not load: ${describeError(e)}`;
		} finally {
			if (this.abort === abort) {
				this.abort = null;
				this.loading = false;
			}
		}
	}

	/** @param {ModeratedBlessing} b */
	item(b) {
		const li = h("li", { class: "blessing", "data-id": b.id, "data-state": b.state });
		this.fill(li, b);
		return li;
	}

	/** @param {HTMLElement} li @param {ModeratedBlessing} b */
	fill(li, b) {
		li.dataset.state = b.state;
		const hans = b.text?.["zh-Hans"] ?? "";
		const hant = b.text?.["zh-Hant"] ?? "";
		const [zh, en] = STATE_LABEL[b.state];
		const textId = `b-${b.id}-text`;
		const meta = h("p", { class: "blessing-meta" }, [
			h("span", { class: `pill state-${b.state}` }, [bi(zh, en)]),
			h("span", { text: b.displayName ? `署名 ${b.displayName}` : "匿名 anonymous" }),
			h("span", { text: `${regionName(b.region)}${b.region ? ` (${b.region})` : ""}` }),
			h("time", { datetime: b.createdAt, text: fmtDateTime(b.createdAt) }),
			b.reports ? h("span", { class: "reports", text: `举报 ${fmtInt(b.reports)} reports` }) : null,
		]);
		const moderated = b.moderatedBy
			? h("p", { class: "moderated" }, [
					`由 ${b.moderatedBy} 于 ${fmtDateTime(b.moderatedAt)} 处理 · `,
					h("span", { lang: "en", text: `by ${b.moderatedBy} at ${fmtDateTime(b.moderatedAt)} (Beijing)` }),
				])
			: null;
		const tools = h("div", { class: "blessing-tools" });
		if (b.state !== "hidden") tools.append(this.button(li, b, "hide"));
		if (b.state !== "published") tools.append(this.button(li, b, "restore"));
		// replaceChildren would write a null as the text "null": leave the missing parts out.
		const parts = [
			h("blockquote", { class: "blessing-text", id: textId, lang: "zh-Hans" }, [
				hans,
				hant && hant !== hans ? h("span", { class: "hant", lang: "zh-Hant", text: `（繁：${hant}）` }) : null,
			]),
			meta,
			moderated,
			tools,
		];
		li.replaceChildren(...parts.filter((part) => part !== null));
	}

	/** @param {NameUnderReview} n */
	nameItem(n) {
		const li = h("li", { class: "blessing name", "data-id": n.participantId, "data-state": n.state });
		this.fillName(li, n);
		return li;
	}

	/** @param {HTMLElement} li @param {NameUnderReview} n */
	fillName(li, n) {
		li.dataset.state = n.state;
		const [zh, en] = STATE_LABEL[n.state];
		const textId = `n-${n.participantId}-text`;
		const tools = h("div", { class: "blessing-tools" });
		for (const op of /** @type {const} */ (["hide", "restore"])) {
			if ((op === "hide" && n.state === "hidden") || (op === "restore" && n.state === "published")) continue;
			const [bz, be] = op === "hide" ? ["隐藏署名", "Hide name"] : ["通过署名", "Approve name"];
			const btn = h("button", {
				type: "button",
				class: op === "hide" ? "danger" : "primary",
				"data-op": op,
				"aria-describedby": textId,
			});
			btn.append(bi(bz, be));
			btn.addEventListener("click", () => void this.actOnName(li, n, op));
			tools.append(btn);
		}
		const parts = [
			h("blockquote", { class: "blessing-text", id: textId, text: n.displayName }),
			h("p", { class: "blessing-meta" }, [
				h("span", { class: `pill state-${n.state}` }, [bi(zh, en)]),
				h("span", { text: "署名 display name" }),
				h("time", { datetime: n.createdAt, text: fmtDateTime(n.createdAt) }),
			]),
			n.moderatedBy
				? h("p", { class: "moderated" }, [
						`由 ${n.moderatedBy} 于 ${fmtDateTime(n.moderatedAt)} 处理 · `,
						h("span", { lang: "en", text: `by ${n.moderatedBy} at ${fmtDateTime(n.moderatedAt)} (Beijing)` }),
					])
				: null,
			tools,
		];
		li.replaceChildren(...parts.filter((part) => part !== null));
	}

	/**
	 * @param {HTMLElement} li
	 * @param {NameUnderReview} n
	 * @param {"hide" | "restore"} op
	 */
	async actOnName(li, n, op) {
		const status = $("#queue-status");
		this.busy++;
		for (const x of li.querySelectorAll("button")) /** @type {HTMLButtonElement} */ (x).disabled = true;
		try {
			const res = await api(`/admin/ceremonies/${this.year}/names/${encodeURIComponent(n.participantId)}/${op}`, {
				method: "POST",
			});
			this.fillName(li, readNameUnderReview(res));
			status.textContent =
				op === "hide" ? "署名已隐藏，显示为匿名。 Name hidden; shown as anonymous." : "署名已通过。 Name approved.";
		} catch (e) {
			for (const x of li.querySelectorAll("button")) /** @type {HTMLButtonElement} */ (x).disabled = false;
			status.textContent = `操作失败 · Failed: ${describeError(e)}`;
		} finally {
			this.busy--;
			this.actedAt = Date.now();
		}
	}

	/**
	 * @param {HTMLElement} li
	 * @param {ModeratedBlessing} b
	 * @param {"hide" | "restore"} op
	 */
	button(li, b, op) {
		const [zh, en] =
			op === "hide" ? ["隐藏", "Hide"] : b.state === "held" ? ["通过并发布", "Approve"] : ["恢复", "Restore"];
		const btn = h("button", {
			type: "button",
			class: op === "hide" ? "danger" : "primary",
			"data-op": op,
			"aria-describedby": `b-${b.id}-text`,
		});
		btn.append(bi(zh, en));
		btn.addEventListener("click", () => void this.act(li, b, op, /** @type {HTMLButtonElement} */ (btn)));
		return btn;
	}

	/**
	 * @param {HTMLElement} li
	 * @param {ModeratedBlessing} b
	 * @param {"hide" | "restore"} op
	 * @param {HTMLButtonElement} btn
	 */
	async act(li, b, op, btn) {
		const status = $("#queue-status");
		this.busy++;
		for (const x of li.querySelectorAll("button")) /** @type {HTMLButtonElement} */ (x).disabled = true;
		try {
			const res = await api(`/admin/ceremonies/${this.year}/blessings/${encodeURIComponent(b.id)}/${op}`, {
				method: "POST",
			});
			this.fill(li, readModeratedBlessing(res));
			status.textContent =
				op === "hide"
					? `已隐藏，数秒内从祈福墙移除。 Hidden; it leaves the public wall within seconds.`
					: `已发布到祈福墙。 Published on the public wall.`;
			const again = /** @type {HTMLButtonElement | null} */ (li.querySelector("button"));
			again?.focus();
		} catch (e) {
			for (const x of li.querySelectorAll("button")) /** @type {HTMLButtonElement} */ (x).disabled = false;
			btn.focus();
			status.textContent = `操作失败 · Failed: ${describeError(e)}`;
		} finally {
			this.busy--;
			this.actedAt = Date.now();
		}
	}
}
