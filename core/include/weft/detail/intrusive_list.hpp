// weft/detail/intrusive_list.hpp — a doubly-linked FIFO whose links live in the elements
// (`T* prev`, `T* next`), for wait queues and timer slots: no allocation, O(1) removal of
// any element. Not thread-safe: its owner's lock guards it. Users do not include this.
#pragma once

namespace weft::detail {

template <class T>
struct intrusive_list {
    T* head = nullptr;
    T* tail = nullptr;

    bool empty() const noexcept { return head == nullptr; }

    // Plain if/else rather than conditional lvalues: the links may be packed members.
    void push_back(T* n) noexcept {
        n->next = nullptr;
        n->prev = tail;
        if (tail)
            tail->next = n;
        else
            head = n;
        tail = n;
    }

    // n must be in this list.
    void erase(T* n) noexcept {
        T* p = n->prev;
        T* x = n->next;
        if (p)
            p->next = x;
        else
            head = x;
        if (x)
            x->prev = p;
        else
            tail = p;
        n->prev = n->next = nullptr;
    }

    T* pop_front() noexcept {
        T* n = head;
        if (n) erase(n);
        return n;
    }
};

}  // namespace weft::detail
