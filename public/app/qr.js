/** QR code of the share link, drawn as SVG from the vendored `uqr` package (loaded only here). */
import { encode } from "../vendor/uqr.mjs";

const NS = "http://www.w3.org/2000/svg";

/**
 * @param {string} text
 * @param {string} label accessible name of the image
 * @returns {SVGSVGElement}
 */
export function qrSvg(text, label) {
	const { size, data } = encode(text, { ecc: "M", border: 2 });
	let d = "";
	for (let y = 0; y < size; y++) {
		const row = /** @type {boolean[]} */ (data[y]);
		for (let x = 0; x < size; x++) if (row[x]) d += `M${x} ${y}h1v1h-1z`;
	}
	const svg = document.createElementNS(NS, "svg");
	svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
	svg.setAttribute("role", "img");
	svg.setAttribute("aria-label", label);
	svg.setAttribute("shape-rendering", "crispEdges");
	svg.setAttribute("class", "qr");
	const bg = document.createElementNS(NS, "rect");
	bg.setAttribute("width", String(size));
	bg.setAttribute("height", String(size));
	bg.setAttribute("class", "qr-bg");
	const path = document.createElementNS(NS, "path");
	path.setAttribute("d", d);
	path.setAttribute("class", "qr-fg");
	svg.append(bg, path);
	return svg;
}
