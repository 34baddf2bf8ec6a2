/**
 * Field schemas the API's answers share. Servers are loose about optional fields: `null` counts
 * as absent, and ids may come as numbers.
 */
import * as z from 'zod';

/** An optional string; `null` is absent. */
export const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

/** An optional number; `null` is absent. */
export const optionalNumber = z
  .number()
  .nullish()
  .transform((v) => v ?? undefined);

/** An id, string or number, as a string. */
export const idText = z.union([z.string(), z.number()]).transform(String);

/** An optional id, string or number, as a string; `null` is absent. */
export const optionalId = idText.nullish().transform((v) => v ?? undefined);
