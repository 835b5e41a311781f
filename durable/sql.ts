/**
 * A parameterised tagged template over `ctx.storage.sql`: values are always bound, never spliced.
 *   const rows = sql<{ n: number }>`SELECT n FROM type_counts WHERE type = ${type}`;
 * A SqlFragment is the one thing spliced: text built in code from constant lists, with its own bound values.
 */
export type SqlQuery = <Row extends Record<string, SqlStorageValue> = Record<string, SqlStorageValue>>(
	strings: TemplateStringsArray,
	...values: (SqlStorageValue | SqlFragment)[]
) => Row[];

/** Statement text built from the code's own constants (ACTION_TYPES), never from input; its values are bound. */
export class SqlFragment {
	constructor(
		readonly text: string,
		readonly values: readonly SqlStorageValue[] = [],
	) {}
}

export function sqlOf(storage: DurableObjectStorage): SqlQuery {
	return <Row extends Record<string, SqlStorageValue>>(
		strings: TemplateStringsArray,
		...values: (SqlStorageValue | SqlFragment)[]
	) => {
		let text = strings[0] ?? "";
		const bound: SqlStorageValue[] = [];
		values.forEach((value, i) => {
			if (value instanceof SqlFragment) {
				text += value.text;
				bound.push(...value.values);
			} else {
				text += "?";
				bound.push(value);
			}
			text += strings[i + 1] ?? "";
		});
		return storage.sql.exec<Row>(text, ...bound).toArray();
	};
}

/**
 * Adds a column to a table created before it was in the schema, then runs `fill` (the value the
 * rows already there should have); does nothing where the column is there.
 */
export function addColumn(
	storage: DurableObjectStorage,
	{ table, column, definition, fill }: { table: string; column: string; definition: string; fill?: string },
): void {
	if (storage.sql.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames.includes(column)) return;
	storage.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
	if (fill) storage.sql.exec(fill);
}

/** Runs a multi-statement schema script (no parameters). */
export function migrate(storage: DurableObjectStorage, script: string): void {
	storage.sql.exec(script);
}
