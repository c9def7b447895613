/** Which language a file is, from its name. */
import * as path from 'node:path';
import { TREE_SITTER_LANGUAGES, type TreeSitterLanguage } from '../treeSitter';

export type DetectedLanguage = TreeSitterLanguage | 'plaintext';

const BY_EXTENSION: Readonly<Record<string, TreeSitterLanguage>> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  // The JavaScript grammar parses JSX itself.
  '.jsx': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.pyw': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.c': 'c',
  // `.h` is shared by C and C++; C is the common reading and the C grammar copes with most headers.
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.c++': 'cpp',
  '.hh': 'cpp',
  '.hpp': 'cpp',
  '.hxx': 'cpp',
  '.h++': 'cpp',
  '.ipp': 'cpp',
  '.inl': 'cpp',
};

export const LANGUAGE_NAMES: Readonly<Record<DetectedLanguage, string>> = {
  typescript: 'TypeScript',
  tsx: 'TypeScript (TSX)',
  javascript: 'JavaScript',
  python: 'Python',
  go: 'Go',
  rust: 'Rust',
  java: 'Java',
  c: 'C',
  cpp: 'C++',
  plaintext: 'plain text',
};

/** The language of a file from its extension; `plaintext` when no grammar applies. */
export function detectLanguage(filePath: string): DetectedLanguage {
  return BY_EXTENSION[path.extname(filePath).toLowerCase()] ?? 'plaintext';
}

export function isTreeSitterLanguage(value: string): value is TreeSitterLanguage {
  return (TREE_SITTER_LANGUAGES as readonly string[]).includes(value);
}
