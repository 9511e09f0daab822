import type { Metadata } from 'next';
import { SignInPage } from '@/components/auth/sign-in-page';
import { ringside } from '@/lib/root';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignIn({ searchParams }: PageProps<'/signin'>) {
  const next = (await searchParams).next;
  const { access } = ringside();
  return <SignInPage next={typeof next === 'string' ? next : undefined} tokenOnly={!access.methods.includes('password')} />;
}
