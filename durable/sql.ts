/**
 * A parameterised tagged template over `ctx.storage.sql`: values are always bound, never spliced.
 *   const rows = sql<{ n: number }>`SELECT n FROM type_counts WHERE type = ${type}`;
 */
export type SqlQuery = <Row extends Record<string, SqlStorageValue> = Record<string, SqlStorageValue>>(
	strings: TemplateStringsArray,
	...values: SqlStorageValue[]
) => Row[];

export function sqlOf(storage: DurableObjectStorage): SqlQuery {
	return <Row extends Record<string, SqlStorageValue>>(strings: TemplateStringsArray, ...values: SqlStorageValue[]) =>
		storage.sql.exec<Row>(strings.join("?"), ...values).toArray();
}

/** Runs a multi-statement schema script (no parameters). */
export function migrate(storage: DurableObjectStorage, script: string): void {
	storage.sql.exec(script);
}

/**
 * A statement whose text is built in code from constant lists (ACTION_TYPES, never input), for
 * the few statements whose columns follow that list; values are still always bound.
 */
export type SqlText = <Row extends Record<string, SqlStorageValue> = Record<string, SqlStorageValue>>(
	text: string,
	...values: SqlStorageValue[]
) => Row[];

export function sqlTextOf(storage: DurableObjectStorage): SqlText {
	return <Row extends Record<string, SqlStorageValue>>(text: string, ...values: SqlStorageValue[]) =>
		storage.sql.exec<Row>(text, ...values).toArray();
}
