import type { RoomSummaryView } from '@scale-chat/contracts';
import { formatTime, fullDate } from '../text/dates';
import { countOf } from '../text/plural';

export function RoomList({
  rooms,
  loaded,
  openRoomId,
  onOpen,
  titleOf,
}: {
  rooms: readonly RoomSummaryView[];
  /** A room's name on screen (a direct room's is the other person's). */
  titleOf: (roomId: string) => string;
  loaded: boolean;
  openRoomId: string | null;
  onOpen: (roomId: string) => void;
}) {
  if (!loaded) return <p className="muted pad">Loading rooms…</p>;
  if (rooms.length === 0) return <p className="muted pad">No rooms yet.</p>;
  return (
    <ul className="room-list" data-testid="room-list">
      {rooms.map((room) => {
        const last = room.lastMessage;
        const title = titleOf(room.id);
        return (
          <li key={room.id}>
            <button
              type="button"
              className={room.id === openRoomId ? 'room-item active' : 'room-item'}
              aria-current={room.id === openRoomId ? 'true' : undefined}
              onClick={() => onOpen(room.id)}
              data-room-id={room.id}
              data-room-name={title}
              data-kind={room.kind}
            >
              <span className="room-line">
                <bdi className="room-name">{title}</bdi>
                {last !== null && (
                  <time
                    className="muted small"
                    dateTime={last.createdAt}
                    title={fullDate(last.createdAt)}
                  >
                    {formatTime(last.createdAt)}
                  </time>
                )}
              </span>
              <span className="room-line">
                <span className="room-last muted" dir="auto">
                  {last === null
                    ? countOf(room.memberCount, 'member')
                    : last.deletedAt !== null
                      ? 'Message deleted'
                      : last.body}
                </span>
                {room.mentionCount > 0 && (
                  <span className="badge mention" data-testid="mentions">
                    @{room.mentionCount}
                    <span className="sr-only"> mentioning you</span>
                  </span>
                )}
                {room.unreadCount > 0 && (
                  <span className="badge" data-testid="unread">
                    {room.unreadCount}
                    <span className="sr-only"> unread</span>
                  </span>
                )}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
