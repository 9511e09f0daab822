'use client';

import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RenderedAtProvider } from '@/components/ui/use-now';
import { makeQueryClient } from '@/lib/query/make-query-client';

/** The query cache and the server's render time (see useNow), for every page. */
export function Providers({ renderedAt, children }: { renderedAt: number; children: React.ReactNode }) {
  const [client] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client}>
      <RenderedAtProvider at={renderedAt}>{children}</RenderedAtProvider>
    </QueryClientProvider>
  );
}
