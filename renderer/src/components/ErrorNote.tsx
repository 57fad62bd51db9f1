/** A failed request's message under a toolbar; nothing when there is no error. */
export function ErrorNote({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p className="note note-error" role="alert">
      {error}
    </p>
  );
}
