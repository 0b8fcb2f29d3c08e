import type { JobTypeInfo, JsonSchema } from '../../src/client/job-types';
import { ApiError, write, type JobDetail } from './api';
import { announce, h, replaceChildren, type Child } from './dom';

/**
 * One submit form per job type, built from the type's payload JSON Schema (`GET /job-types`):
 * the dashboard knows no job type of its own. Each property becomes a control of its kind;
 * sensitive fields are masked controls; what no control can hold (objects, arrays) is typed as JSON.
 */

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

interface FieldControl {
  field: string;
  control: Control;
  /** The control's value as the payload wants it; undefined leaves the field out. */
  read(): unknown;
}

/** Thrown for a value the form can tell is wrong before sending it (JSON that does not parse). */
class FieldInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_DELAY_SECONDS = 7 * 24 * 60 * 60;
/** A sensitive field with one of these names is a secret: a password input rather than a textarea. */
const SECRET_NAME = /secret|token|password|passphrase|api-?key|credential/i;

/** `simulateFailures` → `Simulate failures`, `max_items` → `Max items`. */
export function labelFor(field: string): string {
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function typeOf(schema: JsonSchema): string | undefined {
  const types = (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []).filter(
    (type) => type !== 'null',
  );
  return types.length === 1 ? types[0] : undefined;
}

function enumOf(schema: JsonSchema): (string | number | boolean)[] | undefined {
  const plain = (values: readonly unknown[]) =>
    values.filter((value): value is string | number | boolean => value !== null && typeof value !== 'object');
  if (schema.enum) return plain(schema.enum);
  const members = schema.anyOf ?? schema.oneOf;
  if (members?.length && members.every((member) => member.const !== undefined)) {
    return plain(members.map((member) => member.const));
  }
  return undefined;
}

const bound = (n: number | undefined) =>
  n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : String(n);

/** A control for one property, and how to read it back. */
function fieldControl(field: string, schema: JsonSchema, required: boolean, sensitive: boolean): FieldControl {
  const values = enumOf(schema);
  const type = typeOf(schema);
  const defaultValue = schema.default;
  if (values) {
    const select = h(
      'select',
      { required },
      required ? null : h('option', { value: '' }, '(none)'),
      values.map((value) => h('option', { value: String(value), selected: value === defaultValue }, String(value))),
    );
    return {
      field,
      control: select,
      read: () => (select.value === '' ? undefined : values.find((value) => String(value) === select.value)),
    };
  }
  if (type === 'boolean') {
    const checkbox = h('input', { type: 'checkbox', checked: defaultValue === true });
    return { field, control: checkbox, read: () => (checkbox.checked ? true : required ? false : undefined) };
  }
  if (type === 'integer' || type === 'number') {
    const input = h('input', {
      type: 'number',
      required,
      inputmode: type === 'integer' ? 'numeric' : 'decimal',
      step: type === 'integer' ? '1' : 'any',
      min: bound(schema.minimum ?? schema.exclusiveMinimum),
      max: bound(schema.maximum ?? schema.exclusiveMaximum),
      value: typeof defaultValue === 'number' ? String(defaultValue) : undefined,
    });
    return { field, control: input, read: () => (input.value.trim() === '' ? undefined : Number(input.value)) };
  }
  if (type === 'string') {
    const common = {
      required,
      minlength: schema.minLength,
      maxlength: schema.maxLength,
      value: typeof defaultValue === 'string' ? defaultValue : undefined,
    };
    let control: HTMLInputElement | HTMLTextAreaElement;
    if (sensitive && SECRET_NAME.test(field)) {
      control = h('input', { ...common, type: 'password', autocomplete: 'off', spellcheck: 'false' });
    } else if (sensitive || (schema.maxLength ?? 0) > 200) {
      // Sensitive text (a message, a body) is long more often than not; it is masked once stored.
      control = h('textarea', { ...common, rows: 3, value: undefined }, common.value ?? '');
    } else {
      const inputType = schema.format === 'email' ? 'email' : schema.format === 'uri' ? 'url' : 'text';
      control = h('input', { ...common, type: inputType });
    }
    return { field, control, read: () => (control.value === '' && !required ? undefined : control.value) };
  }
  // Objects, arrays, unions: typed as JSON.
  const textarea = h(
    'textarea',
    { rows: 3, required, spellcheck: 'false', class: 'mono' },
    defaultValue === undefined ? '' : JSON.stringify(defaultValue),
  );
  return {
    field,
    control: textarea,
    read: () => {
      if (textarea.value.trim() === '') return undefined;
      try {
        return JSON.parse(textarea.value) as unknown;
      } catch {
        throw new FieldInputError(field, 'must be JSON');
      }
    },
  };
}

function hintFor(schema: JsonSchema, required: boolean, sensitive: boolean, isJson: boolean): string {
  const notes: string[] = [];
  if (!required) notes.push('optional');
  if (sensitive) notes.push('masked once stored');
  if (isJson) notes.push('JSON');
  const min = bound(schema.minimum);
  const max = bound(schema.maximum);
  if (min !== undefined && max !== undefined) notes.push(`${min}–${max}`);
  if (schema.description) notes.push(schema.description);
  return notes.join(' · ');
}

function formFor(type: JobTypeInfo, navigate: (hash: string) => void): HTMLFormElement {
  const schema = type.payloadSchema;
  const required = new Set(schema.required ?? []);
  const sensitive = new Set(type.sensitiveFields);
  const prefix = `submit-${type.name}`;
  const controls: FieldControl[] = [];
  const fields: Child[] = Object.entries(schema.properties ?? {}).map(([field, property]) => {
    const isRequired = required.has(field);
    const control = fieldControl(field, property, isRequired, sensitive.has(field));
    controls.push(control);
    const id = `${prefix}-${field}`;
    control.control.id = id;
    control.control.setAttribute('name', field);
    const hint = hintFor(property, isRequired, sensitive.has(field), control.control.classList.contains('mono'));
    if (hint) control.control.setAttribute('aria-describedby', `${id}-hint`);
    const isCheckbox = control.control instanceof HTMLInputElement && control.control.type === 'checkbox';
    return h(
      'div',
      { class: isCheckbox ? 'field checkbox-field' : 'field' },
      h('label', { for: id }, labelFor(field)),
      control.control,
      hint ? h('p', { id: `${id}-hint`, class: 'muted small hint' }, hint) : null,
    );
  });
  const delay = h('input', {
    id: `${prefix}-delay`,
    type: 'number',
    min: '0',
    max: String(MAX_DELAY_SECONDS),
    step: '1',
    inputmode: 'numeric',
  });
  const message = h('div', { class: 'message error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, `Submit ${type.name} job`);
  const titleId = `${prefix}-title`;
  const form = h(
    'form',
    { class: 'card submit-form', 'aria-labelledby': titleId, 'data-job-type': type.name },
    h('h3', { id: titleId }, type.name),
    fields,
    h(
      'div',
      { class: 'field' },
      h('label', { for: delay.id }, 'Delay (seconds)', h('span', { class: 'muted' }, ' (optional)')),
      delay,
    ),
    message,
    submit,
  );

  const showErrors = (text: string, fieldErrors: { field: string; message: string }[]) => {
    message.hidden = false;
    replaceChildren(
      message,
      text,
      fieldErrors.length
        ? h(
            'ul',
            {},
            fieldErrors.map((e) => h('li', {}, `${e.field}: ${e.message}`)),
          )
        : null,
    );
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      message.hidden = true;
      let body: Record<string, unknown>;
      try {
        body = {};
        for (const control of controls) {
          const value = control.read();
          if (value !== undefined) body[control.field] = value;
        }
        if (delay.value.trim() !== '') body.delay = Number(delay.value) * 1000;
      } catch (error) {
        if (!(error instanceof FieldInputError)) throw error;
        showErrors('Fix this field:', [{ field: error.field, message: error.message }]);
        return;
      }
      submit.disabled = true;
      try {
        const job = await write<JobDetail>('POST', `/jobs/${encodeURIComponent(type.name)}`, body);
        if (!job) return;
        announce(`Submitted ${type.name} job ${job.id}`);
        navigate(`#/jobs/${encodeURIComponent(job.id)}`);
      } catch (error) {
        showErrors((error as Error).message, error instanceof ApiError ? error.fieldErrors : []);
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return form;
}

/** The submit forms of every job type the API declares. */
export function submitForms(types: readonly JobTypeInfo[], navigate: (hash: string) => void): HTMLElement[] {
  return types.map((type) => formFor(type, navigate));
}
