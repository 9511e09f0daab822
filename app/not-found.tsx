import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="py-10 text-center">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="mt-2 text-muted">No such cluster or page is configured in Ringside.</p>
      <Link href="/" className="mt-4 inline-block text-accent hover:underline">
        Back to all clusters
      </Link>
    </div>
  );
}
