import { Suspense } from 'react';
import { AuthForm } from '../../src/components/auth-form';

export const metadata = { title: 'Create an account' };

export default function SignUpPage() {
  return (
    <Suspense>
      <AuthForm mode="signup" />
    </Suspense>
  );
}
