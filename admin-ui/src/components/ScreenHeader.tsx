import type { ReactNode } from "react";

export function ScreenHeader({ id, title, lede, action }: { id: string; title: ReactNode; lede?: ReactNode; action?: ReactNode }) {
  return (
    <div className="screen-header">
      <div>
        <h2 id={id}>{title}</h2>
        {lede && <p className="lede">{lede}</p>}
      </div>
      {action && <div className="screen-actions">{action}</div>}
    </div>
  );
}
