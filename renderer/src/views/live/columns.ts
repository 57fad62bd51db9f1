// Column headers of the Live tree grid. The grid tracks live in the stylesheet (.lrow) so that a
// narrow window can drop the State and Age columns with a container query.
export const LIVE_HEADERS: readonly { id: string; label: string; align: 'left' | 'right' | 'center'; className?: string }[] = [
  { id: 'name', label: 'App / destination', align: 'left' },
  { id: 'country', label: 'Country', align: 'left' },
  { id: 'org', label: 'Network', align: 'left', className: 'col-org' },
  { id: 'port', label: 'Port', align: 'left' },
  { id: 'state', label: 'State', align: 'left', className: 'col-state' },
  { id: 'rateOut', label: 'Up', align: 'right' },
  { id: 'rateIn', label: 'Down', align: 'right' },
  { id: 'sent', label: 'Sent', align: 'right' },
  { id: 'recv', label: 'Received', align: 'right' },
  { id: 'age', label: 'Age', align: 'right', className: 'col-age' },
  { id: 'action', label: 'Action', align: 'right' },
];
