/**
 * The generic OpenAI-compatible `GET /v1/models`: `{"object":"list","data":[{"id", ...}]}`.
 * Only `data[].id` is guaranteed (reference §5); key order carries no meaning.
 */
import { z } from 'zod';

export const openAiModelSchema = z.object({
  id: z.string(),
  object: z.string().optional(),
  owned_by: z.string().optional(),
});
export const openAiModelListSchema = z.object({ object: z.string().optional(), data: z.array(openAiModelSchema) });

export type OpenAiModelList = z.infer<typeof openAiModelListSchema>;

/** The model ids, in the server's order, without duplicates. */
export function modelIds(list: OpenAiModelList): string[] {
  return [...new Set(list.data.map((m) => m.id))];
}
