/**
 * The committee console: sign-in (the token is checked with /admin/whoami and kept in
 * sessionStorage only), then the live dashboard, moderation, ceremony settings and exports.
 */
import { readCeremony, readMember } from "./answers.js";
import { api, clearSession, currentSession, describeError, HttpError, saveSession, whenUnauthorized } from "./api.js";
import { wireAudit } from "./audit.js";
import { CeremonyPanel } from "./ceremony.js";
import { ActionsChart, isRange } from "./chart.js";
import { Dashboard } from "./dashboard.js";
import { $ } from "./dom.js";
import { setExportLinks } from "./export.js";
import { LiveConnection } from "./live.js";
import { Moderation } from "./moderation.js";

/** @type {{live: LiveConnection, dashboard: Dashboard, chart: ActionsChart} | null} */
let running = null;
/** @type {number | null} */
let year = null;
let wired = false;
/** @type {Moderation | null} */
let moderation = null;
/** @type {CeremonyPanel | null} */
let ceremonyPanel = null;

async function resolveYear() {
	const fromUrl = new URLSearchParams(location.search).get("year");
	if (fromUrl && /^\d{4}$/.test(fromUrl)) return Number(fromUrl);
	return readCeremony(await api("/ceremonies/current", { auth: false })).year;
}

/** @param {string} message */
function showSignIn(message = "") {
	$("#console").hidden = true;
	$("#session").hidden = true;
	$("#sections-nav").hidden = true;
	$("#ceremony-status").hidden = true;
	$("#signin").hidden = false;
	$("#signin-error").textContent = message;
	const input = /** @type {HTMLInputElement} */ ($("#token-input"));
	input.setAttribute("aria-invalid", message ? "true" : "false");
	input.focus();
}

function stopConsole() {
	if (!running) return;
	running.live.stop();
	running.dashboard.destroy();
	running.chart.destroy();
	running = null;
}

/** @param {string} [message] */
function signOut(message = "") {
	stopConsole();
	clearSession();
	showSignIn(message);
}

/** @param {import("./answers.js").Ceremony} c */
function ceremonyLoaded(c) {
	$("#ceremony-name").textContent = `${c.name?.["zh-Hans"] ?? `${c.year} 年黄帝故里拜祖大典`} · ${c.date}`;
	const st = $("#ceremony-status");
	st.hidden = false;
	st.dataset.status = c.status;
	st.textContent =
		c.status === "open" ? "进行中 · Open" : c.status === "closed" ? "已结束 · Closed" : "未开始 · Scheduled";
	setExportLinks(c);
	running?.dashboard.setShardCount(c.shardCount);
	// Closed while the socket was open: take a fresh socket, whose first message carries the final totals.
	if (c.final && running?.dashboard.last && !running.dashboard.last.stats?.final) running.live.reconnectNow();
}

function startConsole() {
	const session = currentSession();
	if (!session || year === null) return;
	const y = year;
	$("#signin").hidden = true;
	$("#console").hidden = false;
	$("#session").hidden = false;
	$("#sections-nav").hidden = false;
	$("#member-name").textContent = session.name;

	if (!wired) {
		wired = true;
		moderation = new Moderation(y);
		ceremonyPanel = new CeremonyPanel(y, ceremonyLoaded);
		wireAudit(y);
		for (const b of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("#live .seg button"))) {
			b.addEventListener("click", () => {
				for (const o of document.querySelectorAll("#live .seg button")) o.setAttribute("aria-pressed", String(o === b));
				const range = b.dataset.range;
				if (isRange(range)) running?.chart.setRange(range);
			});
		}
	}
	const dashboard = new Dashboard();
	const chart = new ActionsChart($("#chart"), y);
	const pressed = document.querySelector('#live .seg button[aria-pressed="true"]');
	const pressedRange = pressed instanceof HTMLElement ? pressed.dataset.range : undefined;
	if (isRange(pressedRange)) chart.range = pressedRange;
	/** @type {string | null} */
	let lastFinal = null;
	const live = new LiveConnection({
		year: y,
		onTotals: (msg) => {
			dashboard.totals(msg);
			chart.changed();
			moderation?.queueCounts(msg.queue);
			const final = String(msg.stats.final);
			if (lastFinal !== null && final !== lastFinal) void ceremonyPanel?.load();
			lastFinal = final;
		},
		onState: (state, info) => dashboard.connection(state, info),
		onUnauthorized: () => signOut("令牌已失效，请重新登录。 The token is no longer accepted; sign in again."),
	});
	dashboard.attach(live);
	running = { live, dashboard, chart };
	live.start();
	void chart.refresh();
	void moderation?.load(true);
	void ceremonyPanel?.load();
}

/** @param {SubmitEvent} e */
async function onSignIn(e) {
	e.preventDefault();
	const input = /** @type {HTMLInputElement} */ ($("#token-input"));
	const submit = /** @type {HTMLButtonElement} */ ($("#signin-submit"));
	const token = input.value.trim();
	const error = $("#signin-error");
	if (!token) {
		error.textContent = "请输入令牌。 Enter the token.";
		input.setAttribute("aria-invalid", "true");
		input.focus();
		return;
	}
	submit.disabled = true;
	error.textContent = "";
	try {
		const me = readMember(await api("/admin/whoami", { token }));
		saveSession({ token, name: me.name });
		input.value = "";
		input.setAttribute("aria-invalid", "false");
		startConsole();
		$("#live-heading").setAttribute("tabindex", "-1");
		$("#live-heading").focus();
	} catch (err) {
		const refused = err instanceof HttpError && (err.status === 401 || err.status === 403);
		error.textContent = refused
			? "令牌无效，已被拒绝。 The token was refused."
			: `无法登录 · Could not sign in: ${describeError(err)}`;
		input.setAttribute("aria-invalid", "true");
		input.select();
		input.focus();
	} finally {
		submit.disabled = false;
	}
}

async function boot() {
	whenUnauthorized(() => signOut("令牌已失效，请重新登录。 The token is no longer accepted; sign in again."));
	$("#sign-out").addEventListener("click", () => signOut("已退出。 Signed out."));
	$("#signin-form").addEventListener("submit", (e) => void onSignIn(/** @type {SubmitEvent} */ (e)));
	try {
		year = await resolveYear();
	} catch (e) {
		$("#signin-error").textContent = `无法载入大典 · Could not load the ceremony: ${describeError(e)}`;
		return;
	}
	/** @type {HTMLButtonElement} */ ($("#signin-submit")).disabled = false;
	const session = currentSession();
	if (!session) {
		showSignIn();
		return;
	}
	// A stored session: check the token is still accepted before showing anything.
	try {
		const me = readMember(await api("/admin/whoami"));
		saveSession({ token: session.token, name: me.name });
		startConsole();
	} catch (e) {
		if (e instanceof HttpError && e.status === 401)
			signOut("令牌已失效，请重新登录。 The token is no longer accepted; sign in again.");
		else startConsole(); // offline for now: the live socket retries by itself
	}
}

void boot();
