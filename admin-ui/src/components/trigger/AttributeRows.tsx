// Attribute predicates as key = value rows (cdn = CDN1, device = Android); a value may list several
// alternatives separated by commas.
import type { AttributeRow } from "./trigger-form.ts";

let nextRowId = 1;

export function newAttributeRow(): AttributeRow {
  return { id: nextRowId++, key: "", value: "" };
}

export function AttributeRows({ rows, onChange }: { rows: AttributeRow[]; onChange: (rows: AttributeRow[]) => void }) {
  const update = (id: number, patch: Partial<AttributeRow>) =>
    onChange(rows.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  return (
    <div className="attribute-rows">
      {rows.length === 0 && <p className="field-hint">No attribute predicate: events of every CDN, device, country…</p>}
      {rows.map((row, index) => (
        <div className="attribute-row" key={row.id}>
          <input
            className="input"
            aria-label={`Attribute ${index + 1} name`}
            placeholder="cdn"
            value={row.key}
            spellCheck={false}
            autoComplete="off"
            onChange={(event) => update(row.id, { key: event.target.value })}
          />
          <span className="attribute-equals" aria-hidden="true">
            =
          </span>
          <input
            className="input"
            aria-label={`Attribute ${index + 1} value`}
            placeholder="CDN1"
            value={row.value}
            spellCheck={false}
            autoComplete="off"
            onChange={(event) => update(row.id, { value: event.target.value })}
          />
          <button
            type="button"
            className="button button-icon"
            aria-label={`Remove attribute ${index + 1}`}
            onClick={() => onChange(rows.filter((candidate) => candidate.id !== row.id))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" className="button button-small" onClick={() => onChange([...rows, newAttributeRow()])}>
        Add attribute
      </button>
    </div>
  );
}
