/**
 * Pure readers for LM Studio's REST API: `/api/v1/models` (0.4+, `loaded_instances` with the
 * context actually loaded) and `/api/v0/models` (0.3.6+, `state == "loaded"`). Only loaded
 * models are returned. Source: ../shared/reference/backends.md §4.
 */
import { z } from 'zod';
import type { LoadedModel } from '../../../../shared/model/snapshot';
import { emptyModel } from '../http/backend-status';

const tokens = z.number().int().nonnegative();

export const lmStudioV0ModelSchema = z.object({
  id: z.string(),
  type: z.string().optional(),
  arch: z.string().optional(),
  compatibility_type: z.string().optional(),
  quantization: z.string().optional(),
  state: z.string(),
  /** Trained maximum, not what is loaded. */
  max_context_length: tokens.optional(),
  /** Not in the docs, present on recent servers: the context the model was loaded with. */
  loaded_context_length: tokens.optional(),
});
export const lmStudioV0ListSchema = z.object({ data: z.array(lmStudioV0ModelSchema) });

export const lmStudioV1ModelSchema = z.object({
  key: z.string(),
  type: z.string().optional(),
  architecture: z.string().nullable().optional(),
  quantization: z.object({ name: z.string().nullable().optional() }).loose().nullable().optional(),
  size_bytes: z.number().int().nonnegative().optional(),
  params_string: z.string().nullable().optional(),
  loaded_instances: z.array(
    z.object({
      id: z.string(),
      config: z.object({ context_length: tokens.optional(), parallel: z.number().int().positive().optional() }).loose().optional(),
    }),
  ),
  max_context_length: tokens.optional(),
  format: z.string().nullable().optional(),
});
export const lmStudioV1ListSchema = z.object({ models: z.array(lmStudioV1ModelSchema) });

export type LmStudioV0List = z.infer<typeof lmStudioV0ListSchema>;
export type LmStudioV1List = z.infer<typeof lmStudioV1ListSchema>;

/** v0: models with `state: "loaded"`; context = `loaded_context_length` where the server gives it. */
export function loadedModelsFromV0(list: LmStudioV0List): LoadedModel[] {
  return list.data
    .filter((m) => m.state === 'loaded')
    .map((m) => ({
      ...emptyModel(m.id),
      contextLength: m.loaded_context_length ?? null,
      family: m.arch ?? null,
      quantization: m.quantization ?? null,
    }));
}

/** v1: one model per loaded instance; context = the instance's `config.context_length`. */
export function loadedModelsFromV1(list: LmStudioV1List): LoadedModel[] {
  return list.models.flatMap((m) =>
    m.loaded_instances.map((instance) => ({
      ...emptyModel(instance.id),
      contextLength: instance.config?.context_length ?? null,
      family: m.architecture ?? null,
      quantization: m.quantization?.name ?? null,
      parameterSize: m.params_string ?? null,
      fileSizeBytes: m.size_bytes ?? null,
    })),
  );
}
