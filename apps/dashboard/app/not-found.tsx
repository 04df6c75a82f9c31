import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="auth-page">
      <div className="panel auth-card">
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link href="/overview">Go to the overview</Link>
      </div>
    </main>
  );
}
