// OpenAI /v1/responses. Streams always end with a response.completed (or .incomplete/.failed) event that
// carries the whole response object, usage included, so nothing has to be requested.
import { obj, openAiResponsesUsage, str, type Json, type ResponseMeta, type Usage } from '../usage/usage.js';
import { modelProblem, parseJsonData, type FormatAdapter, type StreamTap } from './types.js';
import { responsesContent } from './content/responses.js';

function readResponse(response: Json): { usage?: Usage; meta: ResponseMeta } {
  const usage = obj(response.usage);
  return {
    usage: usage ? openAiResponsesUsage(usage) : undefined,
    meta: {
      upstreamId: str(response.id),
      actualModel: str(response.model),
      finishReason: str(obj(response.incomplete_details)?.reason) ?? str(response.status),
    },
  };
}

class ResponsesTap implements StreamTap {
  #usage: Usage | undefined;
  #meta: ResponseMeta = {};

  onEvent(event: { data: string }): boolean {
    const payload = parseJsonData(event.data);
    const response = payload && obj(payload.response);
    if (!response) return true;
    const read = readResponse(response);
    this.#meta = { ...this.#meta, ...Object.fromEntries(Object.entries(read.meta).filter(([, v]) => v !== undefined)) };
    if (read.usage) this.#usage = read.usage;
    return true;
  }

  usage(): Usage | undefined {
    return this.#usage;
  }

  meta(): ResponseMeta {
    return this.#meta;
  }
}

export const openAiResponses: FormatAdapter = {
  name: 'openai-responses',
  errorShape: 'openai',
  endpoint: 'other',
  nativeFormat: 'openai',
  content: responsesContent,
  problem: modelProblem,
  isStream: (body) => body.stream === true,
  requestStreamUsage: () => false,
  usageFromBody: readResponse,
  createTap: () => new ResponsesTap(),
};
