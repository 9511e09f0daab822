import type { ButtonHTMLAttributes } from 'react';

const variants = {
  primary: 'border-accent bg-accent text-bg hover:brightness-110',
  secondary: 'border-line bg-panel-2 text-fg hover:border-accent/60',
  danger: 'border-crit bg-crit text-bg hover:brightness-110',
} as const;

export function Button({ variant = 'secondary', className = '', ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: keyof typeof variants }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-1.5 rounded-md border px-3 py-1.5 text-sm font-medium transition disabled:cursor-not-allowed disabled:opacity-45 disabled:hover:brightness-100 ${variants[variant]} ${className}`}
    />
  );
}
