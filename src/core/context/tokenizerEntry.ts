/** The entry of dist/tokenizer.js: OpenAI's o200k tokenizer, bundled apart and loaded only when counted with. */
export { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
