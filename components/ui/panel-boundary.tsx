'use client';

import { AlertOctagon, RotateCcw } from 'lucide-react';
import { Component, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/**
 * One panel's failure stays in that panel: during an incident a chart that cannot draw must not
 * blank the member table next to it. Says what failed, in its own frame, and can try again.
 */
export class PanelBoundary extends Component<{ name: string; children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error) {
    console.error(`[ringside] the ${this.props.name} panel failed to draw:`, error);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div role="alert" aria-label={`${this.props.name} failed`} className="flex flex-wrap items-center gap-3 rounded-md border border-crit/50 bg-crit-bg px-4 py-3 text-sm">
        <AlertOctagon className="size-4 shrink-0 text-crit" aria-hidden />
        <span>
          <strong className="text-crit">{this.props.name} could not be drawn</strong>
          <span className="text-muted"> ({error.message.slice(0, 200)}). The rest of the page keeps updating.</span>
        </span>
        <button type="button" className="ml-auto inline-flex items-center gap-1 rounded border border-line px-2 py-0.5 hover:bg-panel-2" onClick={() => this.setState({ error: null })}>
          <RotateCcw className="size-3.5" aria-hidden /> Try again
        </button>
      </div>
    );
  }
}
