import { Suspense } from 'react';
import { AuthForm } from '../../src/components/auth-form';

export const metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <Suspense>
      <AuthForm mode="signin" />
    </Suspense>
  );
}
