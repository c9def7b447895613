/**
 * Whether a model takes images, by its name, for `llm.vision` left unset. Families that see images, as their
 * vendors document them; a name that says it (`vision`, `-vl`, `llava`) counts too. Unknown models: no, and their
 * tools' pictures go as a note (set `llm.vision: true` for a model this list misses).
 */
const SEES_IMAGES: RegExp[] = [
  /gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-4-vision|gpt-5|chatgpt-4o/i,
  /(^|\/)o[134](-|$)/i,
  /claude-(3|sonnet|opus|haiku)/i,
  /gemini/i,
  /gemma-?3/i,
  /llava|bakllava|moondream|minicpm-v|pixtral|mistral-(small|medium)-(3|2503|2505)/i,
  /llama-?3\.2.*vision|llama-?4/i,
  /qwen.*vl|qwen2\.5-omni|qvq/i,
  /internvl|glm-4\.?\dv|phi-?[34].*vision|grok-.*vision|grok-4/i,
  /vision|[-_]vl\b/i,
];

export function seesImages(model: string): boolean {
  return SEES_IMAGES.some((re) => re.test(model));
}
