/** awk and sed: their program text, given on the command line, can run commands or write files. */
import { isOption, operands, type ArgContext, type Finding } from './commandArgs';

/** The program text of an awk command line (the first operand unless -f), or undefined. */
export function awkFindings(args: string[]): Finding[] {
  const out: Finding[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i];
    if (w === '--') {
      i++;
      break;
    }
    if (!isOption(w)) break;
    if (/^-[vF]$/.test(w)) i++; // value follows
    if (w === '-f' || w.startsWith('--file')) return out; // the option itself asks
  }
  const program = args[i];
  if (program !== undefined && /system|\||>|getline|@|close|fflush|ENVIRON|PROCINFO/.test(program)) {
    out.push({ index: i, reason: 'the awk program runs commands, uses pipes or writes files (system, |, >)' });
  }
  return out;
}

// ---- sed ----

/**
 * sed scripts: the `e` command, `w`/`W` (write a file), `r`/`R` (read one), and the `e`/`w` flags of `s` ask. Parsed
 * command by command; anything this small parser does not understand asks.
 */
export function sedFindings(args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  const scripts: Array<[string, number]> = [];
  let inPlace = false;
  let sandbox = false;
  let explicit = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (w === '--') break;
    if (w === '-e' || w === '--expression') {
      explicit = true;
      if (args[i + 1] !== undefined) scripts.push([args[i + 1], i + 1]);
      i++;
    } else if (w.startsWith('--expression=')) {
      explicit = true;
      scripts.push([w.slice(13), i]);
    } else if (/^-[a-zA-Z]*e./.test(w) && !w.startsWith('--')) {
      explicit = true;
      scripts.push([w.slice(w.indexOf('e') + 1), i]);
    } else if (/^-[A-Za-z]*i/.test(w) || w.startsWith('--in-place')) inPlace = true;
    else if (w === '--sandbox') sandbox = true;
    else if (/^-[A-Za-z]*[l]$/.test(w)) i++;
  }
  const files = operands(args);
  if (!explicit && files.length > 0) {
    // The first operand is the script.
    const [script, idx] = files.shift()!;
    scripts.push([script, idx]);
  }
  if (!sandbox) for (const [s, i] of scripts) {
    const bad = sedScriptProblem(s);
    if (bad) out.push({ index: i, reason: `the sed script ${bad}` });
  }
  if (inPlace) for (const [w, i] of files) if (ctx.outside(w)) out.push({ index: i, reason: `"sed -i" would change ${w}, outside the workspace` });
  return out;
}

/** Why a sed script asks, or undefined when it only edits the stream. */
export function sedScriptProblem(script: string): string | undefined {
  const s = script;
  let i = 0;
  const n = s.length;
  const skipSpace = () => {
    while (i < n && /[ \t;\n]/.test(s[i])) i++;
  };
  const readDelimited = (delim: string): boolean => {
    // reads up to and including the closing delimiter, honouring backslash escapes
    while (i < n) {
      if (s[i] === '\\') i += 2;
      else if (s[i] === delim) {
        i++;
        return true;
      } else if (s[i] === '\n') return false;
      else i++;
    }
    return false;
  };
  const readAddress = (): boolean => {
    if (i >= n) return true;
    if (/[0-9]/.test(s[i])) {
      while (i < n && /[0-9~]/.test(s[i])) i++;
    } else if (s[i] === '$') i++;
    else if (s[i] === '/') {
      i++;
      if (!readDelimited('/')) return false;
      while (i < n && /[IM]/.test(s[i])) i++;
    } else if (s[i] === '\\') {
      const d = s[i + 1];
      i += 2;
      if (d === undefined || !readDelimited(d)) return false;
    }
    return true;
  };
  let guard = 0;
  while (i < n && guard++ < 10_000) {
    skipSpace();
    if (i >= n) break;
    if (!readAddress()) return 'cannot be read';
    if (s[i] === ',') {
      i++;
      if (s[i] === '+' || s[i] === '~') i++;
      if (!readAddress()) return 'cannot be read';
    }
    while (i < n && /[ \t!]/.test(s[i])) i++;
    const cmd = s[i++];
    if (cmd === undefined) return 'cannot be read';
    if (cmd === '{' || cmd === '}' || cmd === '=' || /[dDgGhHlnNpPqQxzF]/.test(cmd)) {
      // q and Q may take an exit code
      while (i < n && /[0-9 ]/.test(s[i])) i++;
      continue;
    }
    if (cmd === '#') {
      while (i < n && s[i] !== '\n') i++;
      continue;
    }
    if (cmd === ':' || cmd === 'b' || cmd === 't' || cmd === 'T') {
      while (i < n && s[i] !== ';' && s[i] !== '\n') i++;
      continue;
    }
    if (cmd === 'a' || cmd === 'i' || cmd === 'c') {
      while (i < n && s[i] !== '\n') {
        if (s[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (cmd === 's' || cmd === 'y') {
      const d = s[i++];
      if (d === undefined || d === '\n' || d === '\\') return 'cannot be read';
      if (!readDelimited(d) || !readDelimited(d)) return 'cannot be read';
      if (cmd === 'y') continue;
      const flagsStart = i;
      while (i < n && /[gpiImMe0-9w]/.test(s[i])) {
        if (s[i] === 'w') return 'writes a file (s///w)';
        i++;
      }
      if (s.slice(flagsStart, i).includes('e')) return 'runs the pattern space as a command (s///e)';
      continue;
    }
    if (cmd === 'e') return 'runs a command (e)';
    if (cmd === 'w' || cmd === 'W') return 'writes a file (w)';
    if (cmd === 'r' || cmd === 'R') return 'reads a file (r)';
    if (cmd === 'v') {
      while (i < n && s[i] !== ';' && s[i] !== '\n') i++;
      continue;
    }
    return `uses "${cmd}", which this check does not know`;
  }
  return undefined;
}
