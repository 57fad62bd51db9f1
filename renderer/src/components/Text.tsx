import { visibleText } from '../format/text';

/**
 * Text from the machine or the network (names, paths, hosts). Rendered as a text node only,
 * control and bidi characters made visible, isolated so it cannot reorder the text around it.
 */
export function Text({ value, className, title }: { value: string | null | undefined; className?: string; title?: string | null }) {
  const shown = visibleText(value);
  return (
    <bdi className={className} title={title === undefined ? undefined : title === null ? undefined : visibleText(title)} dir="auto">
      {shown}
    </bdi>
  );
}
