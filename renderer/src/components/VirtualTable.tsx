import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { handleGridKey } from './grid-keys';
import { Icon } from './Icon';

export interface Column<T> {
  id: string;
  header: string;
  /** CSS grid track, e.g. "minmax(200px, 2fr)" or "96px". */
  width: string;
  cell(row: T, index: number): ReactNode;
  align?: 'left' | 'right' | 'center';
  /** When set, the header is a button that sorts by this key. */
  sortKey?: string;
}

export interface VirtualTableProps<T> {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey(row: T): string;
  label: string;
  rowHeight?: number;
  selectedKey?: string | null;
  onActivate?(row: T, index: number): void;
  sort?: { key: string; dir: 'asc' | 'desc' };
  onSort?(key: string): void;
  empty?: ReactNode;
  testId?: string;
  rowTestId?: string;
  rowClassName?(row: T): string | undefined;
  /** Shown as the last row, e.g. a "Load more" button. */
  footer?: ReactNode;
}

const SLOT_POOL = 160;
const sortLabel = (dir: 'asc' | 'desc'): 'ascending' | 'descending' => (dir === 'asc' ? 'ascending' : 'descending');

/**
 * A virtualized ARIA grid: only visible rows are in the DOM (10 000 rows scroll like 30), keyboard
 * navigation via aria-activedescendant so focus survives rows being recycled.
 */
function VirtualTableInner<T>(props: VirtualTableProps<T>) {
  const { rows, columns, rowKey, label, rowHeight = 40, selectedKey, onActivate, sort, onSort, empty, testId, rowTestId, rowClassName, footer } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const baseId = useId();
  const [active, setActive] = useState(-1);
  const template = columns.map((c) => c.width).join(' ');

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 8,
    initialRect: { width: 800, height: 600 },
  });

  useEffect(() => {
    if (active >= rows.length) setActive(rows.length - 1);
  }, [rows.length, active]);

  const moveTo = useCallback(
    (i: number) => {
      setActive(i);
      virtualizer.scrollToIndex(i, { align: 'auto' });
    },
    [virtualizer],
  );

  const activeRow = active >= 0 ? rows[active] : undefined;
  const activeId = activeRow !== undefined ? `${baseId}-r-${active}` : undefined;
  const items = virtualizer.getVirtualItems();
  const pageSize = Math.max(1, Math.floor((scrollRef.current?.clientHeight || 600) / rowHeight) - 1);

  return (
    <div
      className="vt"
      role="grid"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length}
      aria-activedescendant={activeId}
      tabIndex={0}
      data-testid={testId}
      onKeyDown={(e) =>
        handleGridKey(e, {
          count: rows.length,
          active,
          pageSize,
          setActive: moveTo,
          onEnter: (i) => {
            const r = rows[i];
            if (r !== undefined) onActivate?.(r, i);
          },
        })
      }
    >
      <div className="vt-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
        {columns.map((c) => {
          const sorted = sort && c.sortKey === sort.key;
          return (
            <div key={c.id} role="columnheader" className={`vt-th align-${c.align ?? 'left'}`} aria-sort={sorted ? sortLabel(sort.dir) : undefined}>
              {c.sortKey && onSort ? (
                <button type="button" className="th-btn" tabIndex={-1} onClick={() => onSort(c.sortKey!)}>
                  {c.header}
                  {sorted ? <Icon name={sort.dir === 'asc' ? 'up' : 'down'} size={12} /> : null}
                </button>
              ) : (
                c.header
              )}
            </div>
          );
        })}
      </div>
      {rows.length === 0 ? (
        <div className="vt-empty">{empty}</div>
      ) : (
        <div className="vt-scroll" ref={scrollRef} role="rowgroup">
          <div role="presentation" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const row = rows[v.index]!;
              const key = rowKey(row);
              // Slot keys (index modulo a pool larger than any viewport) reuse row elements while
              // scrolling: the rows that stay keep their element, the one that scrolls in takes
              // over the element of the one that scrolled out.
              const slot = items.length <= SLOT_POOL ? `s${v.index % SLOT_POOL}` : key;
              const cls = ['vt-row', v.index === active ? 'active' : '', key === selectedKey ? 'selected' : '', rowClassName?.(row) ?? ''].filter(Boolean).join(' ');
              return (
                <div
                  key={slot}
                  id={`${baseId}-r-${v.index}`}
                  role="row"
                  aria-rowindex={v.index + 2}
                  aria-selected={key === selectedKey || v.index === active}
                  className={cls}
                  data-testid={rowTestId}
                  style={{ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${v.start}px)` }}
                  onClick={() => {
                    setActive(v.index);
                    onActivate?.(row, v.index);
                  }}
                >
                  {columns.map((c) => (
                    <div key={c.id} role="gridcell" className={`vt-td align-${c.align ?? 'left'}`}>
                      {c.cell(row, v.index)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
          {footer ? <div className="vt-footer">{footer}</div> : null}
        </div>
      )}
    </div>
  );
}

export const VirtualTable = memo(VirtualTableInner) as typeof VirtualTableInner;
