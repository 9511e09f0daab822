import { QueryClient } from '@tanstack/react-query';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: 2,
        refetchOnWindowFocus: false,
        // A stale number must never look live: keep the last data, the UI shows its age.
        placeholderData: (prev: unknown) => prev,
      },
    },
  });
}
