import { ACTION_TYPES, type ActionCounts, perActionType } from "../src/schemas/common";

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
