const apiUrl = process.env.DARKROOM_API_URL;

export default function Home() {
  return (
    <main style={{ maxWidth: 720, margin: '4rem auto', padding: '0 1rem', lineHeight: 1.6 }}>
      <h1>darkroom</h1>
      <p>Stable Diffusion jobs for your programs, behind a TAMS-compatible API.</p>
      <p>
        The dashboard (sign-in, API keys, jobs, billing, admin) is being built. Until then, use the API at{' '}
        <a href={`${apiUrl}/docs`} style={{ color: '#8cf' }}>
          {apiUrl}/docs
        </a>{' '}
        with the demo API key that <code>npm start</code> printed.
      </p>
    </main>
  );
}
