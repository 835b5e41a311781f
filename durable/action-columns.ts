import { ACTION_TYPES, type ActionCounts, perActionType } from "../src/schemas/common";
import { SqlFragment } from "./sql";

/**
 * The per-action-type columns of the counter tables, one per entry of ACTION_TYPES. Their names come
 * from that constant list only, never from input, so they are the one thing spliced into SQL text.
 */
export const ACTION_COLUMNS = ACTION_TYPES.join(", ");

/** Column definitions for a schema script, e.g. `flower INTEGER NOT NULL DEFAULT 0, ...`. */
export const actionColumnDefinitions = (definition: string) =>
	ACTION_TYPES.map((type) => `${type} ${definition}`).join(",\n\t");

/** `sum(flower) AS flower, ...` (or any other aggregate) over the action columns. */
export const actionColumnAggregates = (aggregate: (column: string) => string) =>
	ACTION_TYPES.map((type) => `${aggregate(type)} AS ${type}`).join(", ");

/** A row's action columns as counts; a missing row counts nothing. */
export const countsOf = (row: Partial<Record<keyof ActionCounts, number | null>> | null | undefined): ActionCounts =>
	perActionType((type) => row?.[type] ?? 0);

/** All actions of all types. */
export const totalOf = (counts: ActionCounts) => ACTION_TYPES.reduce((sum, type) => sum + counts[type], 0);

/** For the sql tag: the action columns' names, `flower, incense, ...`. */
export const actionColumnList = new SqlFragment(ACTION_COLUMNS);

/** The counts in the columns' order: bound as values, or a JSON row read by `actionColumnsFromJson`. */
export const countsInColumnOrder = (counts: ActionCounts) => ACTION_TYPES.map((type) => counts[type]);

/** For the sql tag: the counts bound in the columns' order, `?, ?, ...`. */
export const actionValues = (counts: ActionCounts) =>
	new SqlFragment(ACTION_TYPES.map(() => "?").join(", "), countsInColumnOrder(counts));

/**
 * For the sql tag: the action columns read from a `json_each` row's array from index `from` on,
 * `value ->> 2, value ->> 3, ...`, as `countsInColumnOrder` writes them.
 */
export const actionColumnsFromJson = (from: number) =>
	new SqlFragment(ACTION_TYPES.map((_, n) => `value ->> ${from + n}`).join(", "));

/** For the sql tag: an aggregate of every action column, `sum(flower) AS flower, ...`. */
export const actionAggregates = (aggregate: (column: string) => string) =>
	new SqlFragment(actionColumnAggregates(aggregate));

/** For the sql tag: an upsert's assignments taking every action column from the new row. */
export const actionColumnsFromExcluded = new SqlFragment(
	ACTION_TYPES.map((type) => `${type} = excluded.${type}`).join(", "),
);

/** For the sql tag: an upsert's assignments adding every action column of the new row. */
export const actionColumnsAddedFromExcluded = new SqlFragment(
	ACTION_TYPES.map((type) => `${type} = ${type} + excluded.${type}`).join(", "),
);
