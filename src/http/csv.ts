/** A CSV field: quoted when needed, and prefixed with ' when a spreadsheet would read it as a formula. */
export function csvField(value: string | number | boolean | null): string {
	if (value === null) return "";
	let text = String(value);
	if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const toCsv = (header: string[], rows: Array<Array<string | number | boolean | null>>): string =>
	`${[header, ...rows].map((row) => row.map((v) => csvField(v)).join(",")).join("\r\n")}\r\n`;

export const CSV_TYPE = "text/csv; charset=utf-8; header=present";
