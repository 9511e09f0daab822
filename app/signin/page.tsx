import type { Metadata } from 'next';
import { SignInPage } from '@/components/auth/sign-in-page';
import { getAccess } from '@/lib/auth/access';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignIn({ searchParams }: PageProps<'/signin'>) {
  const next = (await searchParams).next;
  const access = getAccess();
  return <SignInPage next={typeof next === 'string' ? next : undefined} tokenOnly={!access.methods.includes('password')} />;
}
