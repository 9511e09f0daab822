const example = `pollIntervalMs: 1000            # optional: status poll period
hashCheckIntervalMs: 10000      # optional: HashKV agreement check period
clusters:
  - name: prod                  # lower-case letters, digits, '-'; used in URLs
    endpoints:                  # client URLs of one or more members
      - https://10.0.0.1:2379
    tls:                        # optional, file paths
      ca: /etc/ringside/ca.crt
      cert: /etc/ringside/client.crt
      key: /etc/ringside/client.key`;

/** Shown when Ringside has no configuration (or, in development, a broken one). */
export function SetupGuide({ error }: { error?: string }) {
  return (
    <div className="mx-auto max-w-3xl space-y-6 py-6">
      <h1 className="text-2xl font-semibold tracking-tight">{error ? 'Ringside cannot read its configuration' : 'Ringside is not configured yet'}</h1>
      {error && (
        <pre role="alert" className="whitespace-pre-wrap rounded-md border border-crit/50 bg-crit-bg p-4 font-mono text-sm text-crit">
          {error}
        </pre>
      )}
      <section className="space-y-2">
        <h2 className="font-semibold">Point it at your etcd ring</h2>
        <p className="text-muted">
          Write a YAML file and start Ringside with <code className="font-mono text-fg">RINGSIDE_CONFIG=/path/to/ringside.yaml</code>, or save it
          as <code className="font-mono text-fg">ringside.yaml</code> in the directory Ringside starts in. One endpoint per cluster is enough: the
          other members are discovered from the member list.
        </p>
        <pre className="overflow-x-auto rounded-md border border-line bg-panel p-4 font-mono text-sm">{example}</pre>
      </section>
      <section className="space-y-2">
        <h2 className="font-semibold">Or try the demo</h2>
        <p className="text-muted">
          <code className="font-mono text-fg">npm run demo</code> starts a local 3-member etcd ring on 127.0.0.1 (installing Debian&apos;s etcd-server if
          it is missing) and this dashboard pointed at it.
        </p>
      </section>
    </div>
  );
}
