/**
 * Sampling (`sampling/createMessage`): what a server wants the model asked, shown before anything is sent
 * (Approve / Deny / Trust this server), and the model's answer shown before it goes back (Send / Discard).
 */
import { isDrawableImage } from '../../src/shared/images';
import type { SamplingPart, ServerRequestView } from '../../src/shared/protocol';
import { h } from './dom';
import { formatNumber, formatSize } from './format';
import { RequestCard } from './requestCard';
import { longText } from './render/longText';
import { t } from './strings';

type SamplingView = Extract<ServerRequestView, { kind: 'sampling' }>;
type ReviewView = Extract<ServerRequestView, { kind: 'samplingReview' }>;


function part(p: SamplingPart): HTMLElement {
  switch (p.type) {
    case 'text':
      return longText(p.text, { initial: 4_000, className: 'sampling-text' });
    case 'image':
      // Only raster formats a browser shows without scripts become thumbnails.
      if (p.data && isDrawableImage({ mimeType: p.mimeType, data: p.data })) {
        const label = t('samplingImage', p.mimeType, formatSize(p.bytes));
        return h('img', { class: 'sampling-thumb', src: `data:${p.mimeType};base64,${p.data}`, alt: label, title: label });
      }
      return h('div', { class: 'sampling-media' }, t('samplingImage', p.mimeType, formatSize(p.bytes)));
    case 'audio':
      return h('div', { class: 'sampling-media' }, t('samplingAudio', p.mimeType, formatSize(p.bytes)));
    default:
      return h('div', { class: 'sampling-media' }, `[${p.label}]`);
  }
}

export function samplingCard(requestId: string, v: SamplingView): RequestCard {
  const card = new RequestCard(requestId, 'sampling', 'sparkle', t('samplingTitle'), v.server);
  const meta = [t('samplingModel', v.model), t('samplingMaxTokens', formatNumber(v.maxTokens))];
  if (v.temperature !== undefined) meta.push(t('samplingTemperature', String(v.temperature)));
  const priorities = Object.entries(v.priorities ?? {})
    .filter(([, n]) => typeof n === 'number')
    .map(([k, n]) => `${k} ${n}`);
  card.body.append(
    ...v.messages.map((m) =>
      h('div', { class: `sampling-message role-${m.role}` }, h('div', { class: 'sampling-role' }, m.role === 'user' ? t('samplingUser') : t('samplingAssistant')), ...m.parts.map(part)),
    ),
  );
  if (v.systemPrompt) {
    card.body.append(h('details', { class: 'sampling-system' }, h('summary', {}, t('samplingSystemPrompt')), longText(v.systemPrompt, { initial: 4_000 })));
  }
  card.body.append(
    h(
      'div',
      { class: 'sampling-meta' },
      ...meta.map((m) => h('span', {}, m)),
      v.modelHints.length ? h('span', {}, t('samplingHints', v.modelHints.join(', '))) : null,
      priorities.length ? h('span', {}, t('samplingPriorities', priorities.join(', '))) : null,
    ),
  );
  if (v.includeContext && v.includeContext !== 'none') card.body.append(h('div', { class: 'request-note' }, t('samplingContextNote', v.includeContext)));
  card.addButton('approve', t('samplingApprove'), 'primary', 'check');
  card.addButton('deny', t('samplingDeny'), 'secondary', 'close');
  card.addButton('trust', t('samplingTrust'), 'secondary', 'workspace-trusted', t('samplingTrustHint'));
  return card;
}

export function reviewCard(requestId: string, v: ReviewView): RequestCard {
  const card = new RequestCard(requestId, 'samplingReview', 'eye', t('reviewTitle'), v.server);
  card.body.append(
    longText(v.text, { initial: 8_000, className: 'sampling-answer' }),
    h('div', { class: 'sampling-meta' }, h('span', {}, t('samplingModel', v.model)), h('span', {}, t('reviewStopReason', v.stopReason))),
  );
  card.addButton('send', t('reviewSend'), 'primary', 'send');
  card.addButton('discard', t('reviewDiscard'), 'secondary', 'trash');
  return card;
}
