import { redirect } from 'next/navigation';

/** The signed-in area starts at the overview; it sends visitors without a session to sign in. */
export default function Home() {
  redirect('/overview');
}
