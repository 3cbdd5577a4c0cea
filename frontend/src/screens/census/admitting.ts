// Admit and transfer on the census board: the free beds of a ward board (GET /api/ipd/wards/{id}/board), in
// room order, each labelled with its room and room type.

import { ROOM_TYPE_LABELS, type WardBoard } from "../../boards/beds";

export interface FreeBed {
  bedId: string;
  roomId: string;
  bedNumber: string;
  label: string;
}

export function freeBeds(board: WardBoard | null | undefined, except?: string | null): FreeBed[] {
  if (!board) return [];
  return board.rooms.flatMap((room) =>
    room.beds
      .filter((bed) => bed.status === "AVAILABLE" && bed.id !== except)
      .map((bed) => ({
        bedId: bed.id,
        roomId: room.id,
        bedNumber: bed.bedNumber,
        label: `Bed ${bed.bedNumber} · room ${room.roomNumber} · ${ROOM_TYPE_LABELS[room.roomType] ?? room.roomType}`,
      })),
  );
}
