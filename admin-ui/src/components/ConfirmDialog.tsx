import { useId, type ReactNode } from "react";
import { Modal } from "./Modal.tsx";

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  dismissLabel = "Go back",
  danger = false,
  onConfirm,
  onDismiss,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  dismissLabel?: string;
  danger?: boolean;
  onConfirm: () => void;
  onDismiss: () => void;
}) {
  const titleId = useId();
  return (
    <Modal labelledBy={titleId} onClose={onDismiss} className="modal-small">
      <div className="modal-body">
        <h2 id={titleId} className="modal-title">
          {title}
        </h2>
        <div className="modal-text">{children}</div>
      </div>
      <div className="modal-actions">
        <button type="button" className="button" onClick={onDismiss} autoFocus={danger}>
          {dismissLabel}
        </button>
        <button type="button" className={`button ${danger ? "button-danger" : "button-primary"}`} onClick={onConfirm} autoFocus={!danger}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
