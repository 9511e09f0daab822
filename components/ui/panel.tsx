import { PanelBoundary } from './panel-boundary';

export function Panel({
  title,
  actions,
  children,
  className = '',
  bodyClassName = 'p-4',
  id,
}: {
  id?: string;
  title?: React.ReactNode;
  actions?: React.ReactNode;
  children: React.ReactNode;
  className?: string;
  bodyClassName?: string;
}) {
  return (
    <section id={id} className={`scroll-mt-4 rounded-lg border border-line bg-panel ${className}`} aria-label={typeof title === 'string' ? title : undefined}>
      {title && (
        <header className="flex items-center justify-between gap-3 border-b border-line px-4 py-2.5">
          <h2 className="text-xs font-semibold uppercase tracking-wider text-muted">{title}</h2>
          {actions}
        </header>
      )}
      <div className={bodyClassName}>
        <PanelBoundary name={typeof title === 'string' ? title : 'This panel'}>{children}</PanelBoundary>
      </div>
    </section>
  );
}
