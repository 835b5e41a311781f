/** A certificate's share page: saves the certificate as a PNG, drawn by the browser from its SVG. */
import { downloadCertificatePng } from "../app/certificate.js";

const button = /** @type {HTMLButtonElement} */ (document.getElementById("save-png"));
const status = /** @type {HTMLElement} */ (document.getElementById("save-status"));
button.addEventListener("click", async () => {
	const { svg = "", filename = "certificate.png", saving = "", failed = "" } = button.dataset;
	button.disabled = true;
	status.textContent = saving;
	try {
		await downloadCertificatePng(svg, filename);
		status.textContent = "";
	} catch {
		status.textContent = failed;
	} finally {
		button.disabled = false;
	}
});
