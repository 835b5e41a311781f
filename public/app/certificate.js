/** Turns the certificate SVG (same origin, so the canvas stays clean) into a PNG download. */

/**
 * @param {string} text the SVG source
 * @returns {{w: number, h: number}}
 */
function svgSize(text) {
	const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
	let w = Number.parseFloat(svg.getAttribute("width") || "");
	let h = Number.parseFloat(svg.getAttribute("height") || "");
	const vb = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
	const [, , vw = 0, vh = 0] = vb;
	if (!(w > 0 && h > 0) && vb.length === 4 && vw > 0 && vh > 0) {
		w = vw;
		h = vh;
	}
	if (!(w > 0 && h > 0)) return { w: 1200, h: 850 };
	return { w, h };
}

/**
 * Renders the SVG at about 2000 px wide and returns it as a PNG blob.
 * @param {string} url
 * @returns {Promise<Blob>}
 */
export async function certificatePng(url) {
	const res = await fetch(url, { credentials: "omit" });
	if (!res.ok) throw new Error(`certificate ${res.status}`);
	const { w, h } = svgSize(await res.text());
	const img = new Image();
	img.src = url;
	await img.decode();
	const scale = Math.max(1, 2000 / w);
	const canvas = document.createElement("canvas");
	canvas.width = Math.round(w * scale);
	canvas.height = Math.round(h * scale);
	const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
	ctx.fillStyle = "#fbf6ea";
	ctx.fillRect(0, 0, canvas.width, canvas.height);
	ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
	const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
	if (!blob) throw new Error("toBlob failed");
	return /** @type {Blob} */ (blob);
}

/**
 * @param {string} url the certificate SVG
 * @param {string} filename
 */
export async function downloadCertificatePng(url, filename) {
	const blob = await certificatePng(url);
	const href = URL.createObjectURL(blob);
	const a = document.createElement("a");
	a.href = href;
	a.download = filename;
	a.className = "visually-hidden";
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(href), 30_000);
}
