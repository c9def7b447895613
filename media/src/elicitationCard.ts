/**
 * Elicitation (`elicitation/create`): form mode renders the host's validated field list (text with email / uri /
 * date formats, numbers with ranges, booleans, single and multi-select enums; defaults filled in, required marked)
 * with Accept / Decline / Cancel; URL mode shows where the link goes and Open / Decline / Cancel. Values are
 * checked here for quick feedback; the host checks them again and may send errors back.
 */
import type { FormFieldView, ServerRequestView } from '../../src/shared/protocol';
import { h, uid } from './dom';
import { RequestCard } from './requestCard';
import { t } from './strings';

type FormView = Extract<ServerRequestView, { kind: 'elicitation' }>;
type UrlView = Extract<ServerRequestView, { kind: 'elicitationUrl' }>;
type Value = string | number | boolean | string[];

interface Control {
  field: FormFieldView;
  /** The value, or undefined when nothing was entered. */
  read(): Value | undefined;
  error: HTMLElement;
  focusTarget: HTMLElement;
  inputs: HTMLElement[];
}

const INPUT_TYPE: Record<string, string> = { email: 'email', uri: 'url', date: 'date' };

function control(f: FormFieldView): { el: HTMLElement; control: Control } {
  const id = uid(`field-${f.name}`);
  const errorId = `${id}-error`;
  const descId = `${id}-desc`;
  const error = h('div', { class: 'field-error', id: errorId, hidden: true, role: 'alert' });
  const label = h('label', { class: 'field-label', for: id }, f.title, f.required ? h('span', { class: 'field-required', title: t('fieldRequired'), 'aria-hidden': 'true' }, ' *') : null);
  const range = f.minimum !== undefined && f.maximum !== undefined ? t('fieldRange', f.minimum, f.maximum) : f.minimum !== undefined ? t('fieldMin', f.minimum) : f.maximum !== undefined ? t('fieldMax', f.maximum) : '';
  const descText = [f.description, range].filter(Boolean).join(' · ');
  const desc = descText ? h('div', { class: 'field-desc', id: descId }, descText) : null;
  const describedBy = [desc ? descId : '', errorId].filter(Boolean).join(' ');
  let c: Control;
  let input: HTMLElement;

  switch (f.kind) {
    case 'boolean': {
      const box = h('input', { type: 'checkbox', id, 'aria-describedby': describedBy });
      box.checked = f.default === true;
      input = h('div', { class: 'field-check' }, box, label);
      c = { field: f, read: () => box.checked, error, focusTarget: box, inputs: [box] };
      return { el: h('div', { class: 'form-field', 'data-field': f.name, 'data-kind': f.kind }, input, desc, error), control: c };
    }
    case 'enum': {
      const select = h('select', { id, 'aria-describedby': describedBy, 'aria-required': f.required ? 'true' : undefined });
      if (f.default === undefined) select.appendChild(h('option', { value: '' }, t('fieldChoose')));
      for (const o of f.options ?? []) select.appendChild(h('option', { value: o.value, title: o.value === o.label ? undefined : o.value }, o.label));
      if (typeof f.default === 'string') select.value = f.default;
      input = select;
      c = { field: f, read: () => select.value || undefined, error, focusTarget: select, inputs: [select] };
      break;
    }
    case 'multi-enum': {
      const chosen = new Set(Array.isArray(f.default) ? f.default : []);
      const boxes = (f.options ?? []).map((o) => {
        const box = h('input', { type: 'checkbox', value: o.value });
        box.checked = chosen.has(o.value);
        return { box, el: h('label', { class: 'field-option' }, box, o.label) };
      });
      const group = h('div', { class: 'field-options', role: 'group', id, 'aria-labelledby': `${id}-label`, 'aria-describedby': describedBy }, ...boxes.map((b) => b.el));
      label.id = `${id}-label`;
      label.removeAttribute('for');
      input = group;
      c = {
        field: f,
        read: () => {
          const v = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
          return v.length ? v : undefined;
        },
        error,
        focusTarget: boxes[0]?.box ?? group,
        inputs: boxes.map((b) => b.box),
      };
      break;
    }
    case 'number':
    case 'integer': {
      const num = h('input', { type: 'number', id, step: f.kind === 'integer' ? 1 : 'any', min: f.minimum, max: f.maximum, 'aria-describedby': describedBy, 'aria-required': f.required ? 'true' : undefined });
      if (typeof f.default === 'number') num.value = String(f.default);
      input = num;
      c = {
        field: f,
        read: () => {
          const raw = num.value.trim();
          if (!raw) return num.validity.badInput ? 'NaN' : undefined;
          const n = Number(raw);
          return Number.isFinite(n) ? n : raw;
        },
        error,
        focusTarget: num,
        inputs: [num],
      };
      break;
    }
    default: {
      const text = h('input', {
        type: INPUT_TYPE[f.format ?? ''] ?? 'text',
        id,
        minlength: f.minLength,
        maxlength: f.maxLength,
        placeholder: f.format === 'date-time' ? 'YYYY-MM-DDThh:mm:ssZ' : f.format === 'uri' ? 'https://' : undefined,
        'aria-describedby': describedBy,
        'aria-required': f.required ? 'true' : undefined,
        autocomplete: 'off',
      });
      if (typeof f.default === 'string') text.value = f.default;
      input = text;
      c = { field: f, read: () => text.value || undefined, error, focusTarget: text, inputs: [text] };
    }
  }
  return { el: h('div', { class: 'form-field', 'data-field': f.name, 'data-kind': f.kind }, label, desc, input, error), control: c };
}

/** The first problem with `v` for `f` (undefined when fine): the same rules the host applies, for early feedback. */
export function checkField(f: FormFieldView, v: Value | undefined): string | undefined {
  if (v === undefined) return f.required && f.default === undefined ? t('fieldErrorRequired') : undefined;
  if (f.kind === 'number' || f.kind === 'integer') {
    if (typeof v !== 'number') return t('fieldErrorNumber');
    if (f.kind === 'integer' && !Number.isInteger(v)) return t('fieldErrorInteger');
    if (f.minimum !== undefined && v < f.minimum) return t('fieldErrorMin', f.minimum);
    if (f.maximum !== undefined && v > f.maximum) return t('fieldErrorMax', f.maximum);
  }
  if (f.kind === 'multi-enum' && Array.isArray(v)) {
    if (f.minItems !== undefined && v.length < f.minItems) return t('fieldErrorMinItems', f.minItems);
    if (f.maxItems !== undefined && v.length > f.maxItems) return t('fieldErrorMaxItems', f.maxItems);
  }
  if (f.kind === 'string' && typeof v === 'string') {
    if (f.minLength !== undefined && v.length < f.minLength) return t('fieldErrorMinLength', f.minLength);
    if (f.maxLength !== undefined && v.length > f.maxLength) return t('fieldErrorMaxLength', f.maxLength);
    if (f.format === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return t('fieldErrorEmail');
    if (f.format === 'uri' && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(v)) return t('fieldErrorUri');
    if (f.format === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return t('fieldErrorDate');
  }
  return undefined;
}

export class ElicitationForm {
  readonly card: RequestCard;
  private readonly controls: Control[] = [];

  constructor(requestId: string, v: FormView) {
    this.card = new RequestCard(requestId, 'elicitation', 'question', t('elicitationTitle'), v.server);
    const form = h('form', { class: 'elicitation-form', novalidate: true });
    for (const f of v.fields) {
      const { el, control: c } = control(f);
      this.controls.push(c);
      form.appendChild(el);
      for (const i of c.inputs) i.addEventListener('change', () => this.showError(c, undefined));
    }
    // Enter in a text field accepts, as in any form.
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.card.reply('accept');
    });
    form.appendChild(h('button', { type: 'submit', hidden: true, tabindex: -1, 'aria-hidden': 'true' }));
    this.card.body.append(h('div', { class: 'request-message' }, v.message), form);
    this.card.addButton('accept', t('elicitationAccept'), 'primary', 'check');
    this.card.addButton('decline', t('elicitationDecline'), 'secondary', 'close');
    this.card.addButton('cancel', t('elicitationCancel'), 'secondary', 'circle-slash');
    this.card.beforeReply = (action) => {
      if (action !== 'accept') return { ok: true };
      const values: Record<string, Value> = {};
      let first: Control | undefined;
      for (const c of this.controls) {
        const value = c.read();
        const problem = checkField(c.field, value);
        this.showError(c, problem);
        if (problem) first ??= c;
        if (value !== undefined) values[c.field.name] = value;
      }
      if (first) {
        first.focusTarget.focus();
        return { ok: false };
      }
      return { ok: true, values };
    };
  }

  /** The host's verdict on the values: messages by field name (an empty set just re-enables the buttons). */
  showErrors(errors: Record<string, string>): void {
    this.card.setBusy(false);
    let first: Control | undefined;
    for (const c of this.controls) {
      this.showError(c, errors[c.field.name]);
      if (errors[c.field.name]) first ??= c;
    }
    first?.focusTarget.focus();
  }

  private showError(c: Control, message: string | undefined): void {
    c.error.textContent = message ?? '';
    c.error.hidden = !message;
    for (const i of c.inputs) {
      if (message) i.setAttribute('aria-invalid', 'true');
      else i.removeAttribute('aria-invalid');
    }
    c.error.closest('.form-field')?.classList.toggle('invalid', !!message);
  }
}

export function urlCard(requestId: string, v: UrlView): RequestCard {
  const card = new RequestCard(requestId, 'elicitationUrl', 'link-external', t('elicitationUrlTitle'), v.server);
  card.body.append(
    h('div', { class: 'request-message' }, v.message),
    h('div', { class: 'elicitation-url' }, h('code', {}, v.url)),
    v.openable ? h('div', { class: 'request-note' }, t('elicitationLinkTo', v.host)) : h('div', { class: 'request-note warning' }, t('elicitationNotOpenable')),
  );
  const open = card.addButton('open', t('elicitationOpen'), 'primary', 'link-external');
  if (!v.openable) {
    open.disabled = true;
    open.dataset.unavailable = 'true';
  }
  card.addButton('decline', t('elicitationDecline'), 'secondary', 'close');
  card.addButton('cancel', t('elicitationCancel'), 'secondary', 'circle-slash');
  return card;
}
