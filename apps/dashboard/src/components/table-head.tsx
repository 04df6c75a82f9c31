/** A column heading: its text, or its text and that the column holds numbers (right-aligned). */
export type Column = string | { label: string; numeric: true };

/**
 * A table's header row, one `th scope="col"` per column; `actions` adds the heading of a trailing column of
 * buttons, named for screen readers only.
 */
export function TableHead({ columns, actions = false }: { columns: readonly Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === 'string' ? (
            <th key={c} scope="col">
              {c}
            </th>
          ) : (
            <th key={c.label} scope="col" className="num">
              {c.label}
            </th>
          ),
        )}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
