/**
 * The ceremony's configuration: window, rites, live-stream link, limits and (before it opens) the
 * shard count; opening it now and closing it early.
 */
import { readCeremony, readStats } from "./answers.js";
import { api, describeError } from "./api.js";
import { $, confirmDialog, fmtDateTime, fmtInt, fromBeijingInput, h, toBeijingInput } from "./dom.js";

/** @typedef {import("./answers.js").Ceremony} Ceremony */
/** @typedef {import("./answers.js").RiteInput} RiteInput */

const TYPES = /** @type {const} */ (["flower", "incense", "bow", "blessing"]);
const STATUS = {
	scheduled: ["未开始", "scheduled"],
	open: ["进行中", "open"],
	closed: ["已结束", "closed"],
};

export class CeremonyPanel {
	/**
	 * @param {number} year
	 * @param {(c: Ceremony) => void} onChange called with the ceremony whenever it is (re)loaded
	 */
	constructor(year, onChange) {
		this.year = year;
		this.onChange = onChange;
		/** @type {Ceremony | null} */
		this.ceremony = null;
		this.rowSeq = 0;
		$("#ceremony-form").addEventListener("submit", (e) => {
			e.preventDefault();
			void this.save();
		});
		$("#ceremony-reset").addEventListener("click", () => this.ceremony && this.fill(this.ceremony));
		$("#rite-add").addEventListener("click", () => {
			const li = this.riteRow({ key: "", name: { "zh-Hans": "" }, action: null });
			$("#rites").append(li);
			this.renumber();
			/** @type {HTMLInputElement} */ (li.querySelector("input"))?.focus();
		});
		$("#open-now").addEventListener("click", () => void this.openNow());
		$("#close-now").addEventListener("click", () => void this.closeNow());
	}

	async load() {
		try {
			this.set(readCeremony(await api(`/ceremonies/${this.year}`, { auth: false })));
		} catch (e) {
			$("#ceremony-status-msg").textContent = `载入失败 · Could not load: ${describeError(e)}`;
		}
	}

	/** @param {Ceremony} c */
	set(c) {
		this.ceremony = c;
		this.fill(c);
		this.onChange(c);
	}

	/** @param {Ceremony} c */
	fill(c) {
		const [zh, en] = STATUS[c.status];
		$("#ceremony-facts").textContent =
			`${c.name?.["zh-Hans"] ?? c.year} · ${c.date} · ${zh} ${en} · ` +
			`${fmtDateTime(c.window?.opensAt)} – ${fmtDateTime(c.window?.closesAt)} · ${fmtInt(c.shardCount)} 分片 shards · v${c.version}`;
		/** @type {HTMLInputElement} */ ($("#f-opens")).value = toBeijingInput(c.window.opensAt);
		/** @type {HTMLInputElement} */ ($("#f-closes")).value = toBeijingInput(c.window.closesAt);
		/** @type {HTMLInputElement} */ ($("#f-stream")).value = c.liveStreamUrl ?? "";
		for (const t of TYPES) /** @type {HTMLInputElement} */ ($(`#f-limit-${t}`)).value = String(c.limits?.[t] ?? 1);
		const shards = /** @type {HTMLInputElement} */ ($("#f-shards"));
		shards.value = String(c.shardCount);
		shards.disabled = c.status !== "scheduled";
		$("#rites").replaceChildren(...c.rites.map((r) => this.riteRow(r)));
		$("#ceremony-errors").textContent = "";
		const closed = c.status === "closed" || c.final;
		for (const el of /** @type {NodeListOf<HTMLInputElement>} */ (
			document.querySelectorAll("#ceremony-form input, #ceremony-form select, #ceremony-form button")
		)) {
			if (el.id !== "f-shards") el.disabled = closed;
		}
		if (!closed) this.renumber();
		/** @type {HTMLButtonElement} */ ($("#open-now")).disabled = closed || c.status === "open";
		/** @type {HTMLButtonElement} */ ($("#close-now")).disabled = closed;
	}

	/** @param {RiteInput} r */
	riteRow(r) {
		const tpl = /** @type {HTMLTemplateElement} */ ($("#rite-row"));
		const li = /** @type {HTMLElement} */ (tpl.content.firstElementChild?.cloneNode(true));
		const n = ++this.rowSeq;
		for (const field of /** @type {NodeListOf<HTMLElement>} */ (li.querySelectorAll(".field"))) {
			const input = /** @type {HTMLInputElement | HTMLSelectElement} */ (field.querySelector("input, select"));
			const label = /** @type {HTMLLabelElement} */ (field.querySelector("label"));
			input.id = `rite-${n}-${input.dataset.f}`;
			label.htmlFor = input.id;
			const f = input.dataset.f;
			input.value =
				f === "key"
					? r.key
					: f === "action"
						? (r.action ?? "")
						: f === "zh-Hans" || f === "zh-Hant" || f === "en"
							? (r.name[f] ?? "")
							: "";
		}
		for (const b of /** @type {NodeListOf<HTMLButtonElement>} */ (li.querySelectorAll("button[data-move]"))) {
			b.addEventListener("click", () => {
				const dir = Number(b.dataset.move);
				const sib = dir < 0 ? li.previousElementSibling : li.nextElementSibling;
				if (!sib) return;
				if (dir < 0) sib.before(li);
				else sib.after(li);
				this.renumber();
				b.focus();
			});
		}
		li.querySelector("button[data-remove]")?.addEventListener("click", () => {
			const next = /** @type {HTMLElement | null} */ (li.nextElementSibling ?? li.previousElementSibling);
			li.remove();
			this.renumber();
			/** @type {HTMLElement} */ (next?.querySelector("input") ?? $("#rite-add")).focus();
		});
		return li;
	}

	/** Gives each row's buttons a name that says which rite they act on. */
	renumber() {
		const rows = /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#rites > li"));
		rows.forEach((li, i) => {
			const name = /** @type {HTMLInputElement} */ (li.querySelector('[data-f="zh-Hans"]')).value || `${i + 1}`;
			li.setAttribute("aria-label", `第 ${i + 1} 项 · Rite ${i + 1}: ${name}`);
			for (const b of li.querySelectorAll("button")) {
				const el = /** @type {HTMLButtonElement} */ (b);
				// The accessible name starts with the visible text ("上移 Up"), then says which rite.
				const visible = (el.textContent ?? "").replace(/\s+/g, " ").trim();
				el.setAttribute("aria-label", `${visible}: ${name}`);
			}
			/** @type {HTMLButtonElement} */ (li.querySelector('[data-move="-1"]')).disabled = i === 0;
			/** @type {HTMLButtonElement} */ (li.querySelector('[data-move="1"]')).disabled = i === rows.length - 1;
		});
	}

	/** The form as a PUT body, or a list of problems. */
	collect() {
		/** @type {string[]} */
		const errors = [];
		const opensAt = fromBeijingInput(/** @type {HTMLInputElement} */ ($("#f-opens")).value);
		const closesAt = fromBeijingInput(/** @type {HTMLInputElement} */ ($("#f-closes")).value);
		if (!opensAt || !closesAt) errors.push("请填写开始和结束时间。 Enter both times of the window.");
		else if (Date.parse(opensAt) >= Date.parse(closesAt))
			errors.push("结束时间须晚于开始时间。 The window must close after it opens.");
		const stream = /** @type {HTMLInputElement} */ ($("#f-stream")).value.trim();
		if (stream && !/^https:\/\/[^\s]+$/i.test(stream))
			errors.push("直播链接须以 https:// 开头。 The live-stream link must be https.");
		/** @type {Record<string, number>} */
		const limits = {};
		for (const t of TYPES) {
			const v = Number(/** @type {HTMLInputElement} */ ($(`#f-limit-${t}`)).value);
			if (!Number.isInteger(v) || v < 0 || v > 1000)
				errors.push(`上限须为 0–1000 的整数 (${t}). Limits are whole numbers 0–1000.`);
			limits[t] = v;
		}
		const rites = [...document.querySelectorAll("#rites > li")].map((li, i) => {
			const get = (/** @type {string} */ f) =>
				/** @type {HTMLInputElement} */ (li.querySelector(`[data-f="${f}"]`)).value.trim();
			const key = get("key");
			if (!/^[a-z][a-z0-9-]{1,31}$/.test(key))
				errors.push(
					`第 ${i + 1} 项的标识须为小写字母开头的 2–32 个字母、数字或连字符。 Rite ${i + 1}: key must be 2–32 of a-z, 0-9, -.`,
				);
			if (!get("zh-Hans")) errors.push(`第 ${i + 1} 项缺少简体名称。 Rite ${i + 1}: Simplified name is required.`);
			/** @type {Record<string, string>} */
			const name = { "zh-Hans": get("zh-Hans") };
			if (get("zh-Hant")) name["zh-Hant"] = get("zh-Hant");
			if (get("en")) name.en = get("en");
			return { key, name, action: get("action") || null };
		});
		if (rites.length === 0) errors.push("至少需要一项仪程。 At least one rite.");
		/** @type {Record<string, unknown>} */
		const body = { window: { opensAt, closesAt }, rites, liveStreamUrl: stream || null, limits };
		const shards = /** @type {HTMLInputElement} */ ($("#f-shards"));
		if (!shards.disabled && Number(shards.value) !== this.ceremony?.shardCount) {
			const n = Number(shards.value);
			if (!Number.isInteger(n) || n < 1 || n > 1024) errors.push("分片数须为 1–1024。 Shard count must be 1–1024.");
			body.shardCount = n;
		}
		return { body, errors };
	}

	async save() {
		const { body, errors } = this.collect();
		const errEl = $("#ceremony-errors");
		const status = $("#ceremony-status-msg");
		if (errors.length) {
			errEl.replaceChildren(
				h(
					"ul",
					{},
					errors.map((e) => h("li", { text: e })),
				),
			);
			return;
		}
		errEl.textContent = "";
		/** @type {HTMLButtonElement} */ ($("#ceremony-save")).disabled = true;
		status.textContent = "正在保存… Saving…";
		try {
			const c = readCeremony(await api(`/admin/ceremonies/${this.year}`, { method: "PUT", body }));
			this.set(c);
			status.textContent = `已保存（版本 ${c.version}）。 Saved (version ${c.version}).`;
		} catch (e) {
			status.textContent = "";
			errEl.textContent = `保存失败 · Not saved: ${describeError(e)}`;
		} finally {
			/** @type {HTMLButtonElement} */ ($("#ceremony-save")).disabled = !!this.ceremony?.final;
		}
	}

	async openNow() {
		const c = this.ceremony;
		if (!c) return;
		const now = Date.now();
		let closesAt = c.window.closesAt;
		if (Date.parse(closesAt) <= now + 60_000) closesAt = new Date(now + 3 * 86_400_000).toISOString();
		const ok = await confirmDialog({
			title: "立即开放大典？ Open the ceremony now?",
			body: `开始时间改为现在，结束于 ${fmtDateTime(closesAt)}（北京时间）。开放后分片数不可更改。 The window opens now and closes at ${fmtDateTime(closesAt)} (Beijing); the shard count is then fixed.`,
			ok: "立即开放 Open now",
		});
		if (!ok) return;
		const status = $("#ceremony-status-msg");
		try {
			const updated = readCeremony(
				await api(`/admin/ceremonies/${this.year}`, {
					method: "PUT",
					body: { window: { opensAt: new Date(now).toISOString(), closesAt } },
				}),
			);
			this.set(updated);
			status.textContent = "大典已开放。 The ceremony is open.";
		} catch (e) {
			status.textContent = `开放失败 · Could not open: ${describeError(e)}`;
		}
	}

	async closeNow() {
		const ok = await confirmDialog({
			title: "提前结束大典？ Close the ceremony early?",
			body: "所有分片将被封存，取最终快照，总数冻结为最终结果。此操作不可撤销。 Every shard is sealed, final snapshots are taken and the totals are frozen. This cannot be undone.",
			ok: "结束并封存 Close and freeze",
		});
		if (!ok) return;
		const status = $("#ceremony-status-msg");
		const btn = /** @type {HTMLButtonElement} */ ($("#close-now"));
		btn.disabled = true;
		status.textContent = "正在封存… Sealing…";
		try {
			const stats = readStats(await api(`/admin/ceremonies/${this.year}/close`, { method: "POST" }));
			const a = stats.actions;
			status.textContent =
				`大典已结束，最终结果：参与者 ${fmtInt(stats.participants)}，花篮 ${fmtInt(a.flower)}，上香 ${fmtInt(a.incense)}，拜礼 ${fmtInt(a.bow)}，祈福 ${fmtInt(a.blessing)}。` +
				` Closed; final totals: ${fmtInt(stats.participants)} participants.`;
			await this.load();
		} catch (e) {
			btn.disabled = false;
			status.textContent = `结束失败 · Could not close: ${describeError(e)}`;
		}
	}
}
